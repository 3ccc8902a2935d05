"""A working day at the desk, as the field trial found it and as it must be now: who acts on a stage,
who answers, a held stage, escalation to a named supervisor, a document asked of the applicant,
counters that agree, a document brought later and a typo corrected."""

import re

import pytest
from playwright.sync_api import expect

from apps.core import messaging
from apps.desk import services
from apps.desk.models import RequestStage, ServiceRequest
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP
from tests.factories import (
    DepartmentFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.files import PDF

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 20_000


@pytest.fixture
def office(db, tmp_path):
    desk = OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران")
    estates = DepartmentFactory(parent=desk, name="اداره املاک")
    service = SubServiceFactory(body=desk.body, title="صدور گواهی عدم خلافی")
    WorkflowStageFactory(service=service, order=1, title="پذیرش و تطبیق مدارک", responsible_unit=desk)
    WorkflowStageFactory(service=service, order=2, title="بازدید کارشناس املاک", responsible_unit=estates)
    deed = RequiredDocumentFactory(service=service, order=1, title="سند مالکیت")
    people = {
        "clerk": staff_user(roles.DESK_CLERK, unit=desk, first_name="مریم", last_name="احمدی"),
        "supervisor": staff_user(
            roles.BODY_SUPERVISOR, unit=desk, first_name="زهرا", last_name="رضایی", post="مسئول میز خدمت"
        ),
        "officer": staff_user(roles.UNIT_OFFICER, unit=estates, first_name="علی", last_name="کریمی"),
    }
    sr = services.service_request_register(
        service=service,
        unit=desk,
        by=people["clerk"],
        incomplete_reason="سند را فردا می‌آورد",
        documents=[services.IntakeDocument(required_id=deed.pk, title=deed.title, received=False)],
        applicant=services.Applicant(
            national_code="0499370899", full_name="سارا محمدی", mobile="09121234567"
        ),
    )
    (tmp_path / "deed.pdf").write_bytes(PDF)
    return {**people, "sr": sr, "desk": desk, "estates": estates, "deed_pdf": tmp_path / "deed.pdf"}


def _as(page, live_server, login, member):
    page.context.clear_cookies()
    login(page, member.user)


def _act(page, action: str, note: str = "", **choices):
    form = page.locator("form.stage-form")
    form.locator(f"input[name=action][value={action}]").check()
    if note:
        form.locator("#id_note").fill(note)
    for field, value in choices.items():
        form.locator(f"#id_{field}").select_option(str(value)) if field != "bring" else form.locator(
            "#id_bring"
        ).fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_the_stage_goes_to_its_units_officer_who_holds_escalates_and_answers(
    page, live_server, login, office, shot
):
    """Points 1, 2, 4 and 5 of the trial, as the people do them."""
    page.set_default_timeout(WAIT)
    page.set_viewport_size(DESKTOP)
    sr, detail = office["sr"], f"{live_server.url}/desk/requests/{office['sr'].pk}/"

    # The clerk does the desk's stage; the estates department's stage is not his to act on.
    _as(page, live_server, login, office["clerk"])
    page.goto(detail)
    _act(page, "complete", "مدارک تطبیق شد")
    expect(page.locator("form.stage-form")).to_have_count(0)
    page.goto(f"{live_server.url}/desk/inbox/")
    expect(page.locator("table.table tbody")).not_to_contain_text("بازدید کارشناس املاک")

    # The officer holds the stage for an inquiry: only "resume" and "escalate" are offered then,
    # and his desk counts the held stage that his inbox shows.
    _as(page, live_server, login, office["officer"])
    page.goto(detail)
    _act(page, "hold", "استعلام از اداره ثبت")
    values = page.locator("form.stage-form input[name=action]").evaluate_all("els => els.map(e => e.value)")
    assert values == ["resume", "escalate"]
    expect(page.locator("form.stage-form input[name=action][value=resume]")).to_be_checked()
    page.goto(f"{live_server.url}/desk/")
    on_hold = page.locator(".stats li", has_text=re.compile("متوقف"))
    expect(on_hold.locator(".stat-n")).to_have_text("۱")

    # He escalates it to the supervisor by name; it reaches her inbox and is marked in his.
    page.goto(detail)
    _act(page, "escalate", "پاسخ استعلام دیر شده است", escalate_to=office["supervisor"].pk)
    page.goto(f"{live_server.url}/desk/inbox/")
    expect(page.locator("main")).to_contain_text("زهرا رضایی")
    shot(page, "desk-day-1-escalated-in-officers-inbox")
    _as(page, live_server, login, office["supervisor"])
    page.goto(f"{live_server.url}/desk/inbox/")
    expect(page.locator("section", has_text="ارجاع‌شده به شما")).to_contain_text("بازدید کارشناس املاک")

    # The officer resumes, asks the applicant for a document by sending the request back (SMS)…
    _as(page, live_server, login, office["officer"])
    page.goto(detail)
    _act(page, "resume", "پاسخ استعلام رسید")
    messaging.outbox.clear()
    page.goto(detail)
    _act(page, "return", "نقشه لازم است", return_to=1, bring="نقشه تفکیکی ساختمان")
    assert any("نقشه تفکیکی ساختمان" in m.text for m in messaging.outbox)

    # …the desk does its stage again, and the officer finishes the last stage: the request waits for
    # his unit's response in his inbox, on his desk and in "all requests".
    _as(page, live_server, login, office["clerk"])
    page.goto(detail)
    _act(page, "complete", "نقشه رسید")
    _as(page, live_server, login, office["officer"])
    page.goto(detail)
    _act(page, "complete", "بازدید انجام شد")
    for url in ("/desk/inbox/", "/desk/", "/desk/requests/"):
        page.goto(f"{live_server.url}{url}")
        expect(page.locator(f"a[href='/desk/requests/{sr.pk}/']").first).to_be_visible()
    shot(page, "desk-day-2-officer-desk-to-respond")
    page.goto(detail)
    with page.expect_navigation():
        page.click(f"a[href='/desk/requests/{sr.pk}/response/']")
    page.check("input[name=outcome][value=granted]")
    page.fill("#id_content", "گواهی صادر شد")
    page.fill("#id_legal_basis", "ماده ۱۰۰")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert ServiceRequest.objects.get(pk=sr.pk).status == ServiceRequest.Status.ANSWERED

    # The clerk saw who would answer; he never had a link that would have answered 403.
    stage = RequestStage.objects.get(request=sr, order=2)
    assert stage.escalated_to == office["supervisor"]


def test_a_document_brought_later_and_a_typo_corrected(page, live_server, login, office, shot):
    """Point 10 of the trial."""
    page.set_default_timeout(WAIT)
    page.set_viewport_size(DESKTOP)
    sr = office["sr"]
    _as(page, live_server, login, office["clerk"])
    page.goto(f"{live_server.url}/desk/requests/{sr.pk}/")
    form = page.locator("form.doc-add")
    form.locator("input[type=file]").set_input_files(str(office["deed_pdf"]))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".history")).to_contain_text("سند مالکیت")
    assert sr.documents.get().received

    with page.expect_navigation():
        page.click(f"a[href='/desk/requests/{sr.pk}/correct/']")
    expect(page.locator("#id_national_code")).to_be_disabled()  # a supervisor's to change
    page.fill("#id_mobile", "09129876543")
    page.fill("#id_reason", "شماره همراه اشتباه تایپ شده بود")
    shot(page, "desk-day-3-correction")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    expect(page.locator(".history")).to_contain_text("09121234567")
    sr.refresh_from_db()
    assert sr.mobile == "09129876543"
