"""The bimonthly audit in the browser: the body declares, the province's auditor verifies."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.audits.models import AuditForm
from apps.catalog.models import FAQ, LawReference
from apps.orgs import roles
from apps.orgs.models import Province
from tests.e2e.conftest import DESKTOP
from tests.factories import (
    BodyFactory,
    CounterFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    answered_request,
    audit_round_opened,
    desk_request,
    hq_unit,
    staff_user,
    survey_response,
)
from tests.i18n import fa as _fa
from tests.pdf_utils import keep_pdf, pdf_text, reads

# Provinces, holidays and the questionnaire come from data migrations, which a transactional
# test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
SERVICES = [
    # code, title, channel, reason
    ("11450", "صدور گواهی پایان کار ساختمان", "in_person", "law"),
    ("11451", "تمدید پروانه اشتغال مهندسان", "hybrid", "digitisation"),
    ("11452", "استعلام وضعیت پرونده مسکن", "electronic", ""),
    ("11453", "رسیدگی به اعتراض کمیسیون ماده صد", "outside", "internal"),
]
FALSE_CODE = "11453"


@pytest.fixture
def audited(db):
    mazandaran, tehran = Province.objects.get(code="IR-02"), Province.objects.get(code="IR-23")
    ministry = BodyFactory(name_fa="وزارت راه و شهرسازی")
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران", parent=ministry)
    hq = hq_unit(body=ministry, name="ستاد مرکزی وزارت راه و شهرسازی")
    unit = OrgUnitFactory(
        body=body,
        parent=hq,
        province=mazandaran,
        name="اداره کل راه و شهرسازی مازندران",
        phone="011-33363000",
    )
    services = {}
    for code, title, channel, reason in SERVICES:
        service = SubServiceFactory(
            body=body,
            code=code,
            title=title,
            channel=channel,
            non_electronic_reason=reason,
            responsible_name="زهرا رضایی",
            complaint_procedure="شکایت در سامانه سامد ثبت می‌شود.",
            eservice_url=f"https://mazandaran.mrud.ir/e/{code}"
            if channel in ("electronic", "hybrid")
            else "",
        )
        WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
        RequiredDocumentFactory(service=service, order=1, title="کارت ملی")
        services[code] = service
    full = services["11450"]
    RequiredDocumentFactory(service=full, order=2, title="سند مالکیت")
    FeeFactory(service=full)
    LawReference.objects.create(service=full, title="قانون مدیریت خدمات کشوری، ماده ۶")
    FAQ.objects.create(service=full, question="آیا باید استعلام بگیرم؟", answer="خیر، اداره کل می‌گیرد.")
    CounterFactory(unit=unit, number=1).services.add(full)
    desk_request(service=full, unit=unit, received=[True, True])
    desk_request(service=full, unit=unit, received=[True, False])
    for value in (5, 4, 4):
        survey_response(answered_request(unit=unit, service=services["11451"]), answers=value)
    audit_round_opened()

    planning = OrgUnitFactory(province=mazandaran, name="سازمان مدیریت و برنامه‌ریزی مازندران")
    tehran_planning = OrgUnitFactory(province=tehran, name="سازمان مدیریت و برنامه‌ریزی تهران")
    return {
        "form": AuditForm.objects.get(unit=unit),
        "supervisor": staff_user(
            roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی", post="مسئول میز خدمت"
        ),
        "auditor": staff_user(
            roles.PROVINCIAL_AUDITOR,
            unit=planning,
            first_name="حسین",
            last_name="موسوی",
            post="ارزیاب میز خدمت",
        ),
        "other_auditor": staff_user(
            roles.PROVINCIAL_AUDITOR, unit=tehran_planning, first_name="علی", last_name="کریمی"
        ),
    }


def _shot(shot, page, name: str) -> None:
    # At the end of the page the sticky action bar sits in its own place, not over a section.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    shot(page, name)


def _log_in(browser, login, staff):
    # A context of their own: every person keeps their own cookies.
    context = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, staff.user)
    return context, page


def test_supervisor_submits_and_the_provinces_auditor_verifies_with_a_channel_found_false(
    browser, live_server, login, audited, shot, no_horizontal_overflow
):
    """GIVEN a round opened with the directorate's form pre-filled from its catalog, two requests at
    its desk and three answered questionnaires
    WHEN the supervisor rates the desk's space and submits the declaration, and the auditor of
    Mazandaran starts the evaluation, marks the declared channel of one service false, rates §2 and
    verifies the form
    THEN the form is verified with that service found false, the PDF carries the body, the rows and
    the mark, and an auditor of Tehran gets 404 on the form."""
    expect.set_options(timeout=WAIT)
    form = audited["form"]
    detail_url = f"{live_server.url}/audits/forms/{form.pk}/"

    # --- The body's supervisor declares -------------------------------------------------------
    context, page = _log_in(browser, login, audited["supervisor"])
    page.goto(f"{live_server.url}/audits/")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("table.au-list tbody tr")).to_have_count(1)
    _shot(shot, page, "audit-1-list")
    with page.expect_navigation():
        page.click(f"a[href='/audits/forms/{form.pk}/']")
    expect(page.locator(".au-s1 tbody tr")).to_have_count(len(SERVICES))
    expect(page.locator(".au-s4 tbody tr")).to_have_count(2)  # in-person and hybrid
    expect(page.locator(".au-s5 tbody tr")).to_have_count(2)  # electronic and hybrid
    for n in range(4):
        page.check(f"input[name='space-{n}-body_rating'][value='good']")
    page.fill("#id_space-0-body_note", "سالن انتظار با ۲۰ صندلی و باجه ویژه سالمندان")
    no_horizontal_overflow(page)
    _shot(shot, page, "audit-2-draft")
    with page.expect_navigation():
        page.click("#submit-declaration")
    expect(page.locator("#form-state")).to_have_text(_fa("Submitted"))
    expect(page.locator("#audit-form")).to_have_count(0)  # locked: no form to edit
    _shot(shot, page, "audit-3-submitted")
    context.close()

    # --- The auditor of the province evaluates -------------------------------------------------
    context, page = _log_in(browser, login, audited["auditor"])
    page.goto(f"{live_server.url}/audits/")
    with page.expect_navigation():
        page.click(f"a[href='/audits/forms/{form.pk}/']")
    with page.expect_navigation():
        page.click("#save-evaluation")  # start the evaluation
    expect(page.locator("#form-state")).to_have_text(_fa("Under evaluation"))
    page.check(f"tr[data-code='{FALSE_CODE}'] input[name$='-channel_false']")
    for n, rating in enumerate(["good", "average", "good", "weak"]):
        page.check(f"input[name='space-{n}-evaluator_rating'][value='{rating}']")
    page.fill("#id_improvement_points", "استقرار کارشناس راهنما در ورودی ساختمان")
    no_horizontal_overflow(page)
    _shot(shot, page, "audit-4-evaluating")
    with page.expect_navigation():
        page.click("#verify-form")
    expect(page.locator("#form-state")).to_have_text(_fa("Verified"))
    expect(page.locator(".au-false-list")).to_contain_text("رسیدگی به اعتراض کمیسیون ماده صد")
    _shot(shot, page, "audit-5-verified")

    form.refresh_from_db()
    assert form.state == AuditForm.State.VERIFIED
    assert form.evaluator == audited["auditor"]
    assert form.preparer == audited["supervisor"]
    assert list(form.rows.filter(channel_false=True).values_list("code", flat=True)) == [FALSE_CODE]
    assert list(form.space_items.values_list("evaluator_rating", flat=True)) == [
        "good",
        "average",
        "good",
        "weak",
    ]

    page.click("a[href$='/history/']")
    # opened, edited, submitted, evaluation started, evaluation edited, verified
    expect(page.locator(".mg-history > li")).to_have_count(6)
    _shot(shot, page, "audit-6-history")

    # The PDF is made by a file job: the button leads to its progress page, then to the download.
    page.goto(detail_url)
    page.get_by_role("button", name="PDF").click()
    page.wait_for_url("**/jobs/*/")
    link = page.locator("a.file-job-download")
    expect(link).to_be_visible()
    _shot(shot, page, "audit-6b-pdf-job")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(f"-unit-{form.unit_id}.pdf")
    body = Path(info.value.path()).read_bytes()
    keep_pdf(body, "audit-journey")
    text = pdf_text(body)
    assert reads(text, "اداره کل راه و شهرسازی استان مازندران")
    for _code, title, _channel, _reason in SERVICES:
        assert reads(text, title)
    assert reads(text, "مغایر")
    assert reads(text, "حسین موسوی")
    context.close()

    # --- An auditor of another province ---------------------------------------------------------
    context, page = _log_in(browser, login, audited["other_auditor"])
    response = page.goto(detail_url)
    assert response.status == 404
    _shot(shot, page, "audit-7-other-province-404")
    page.goto(f"{live_server.url}/audits/")
    expect(page.locator(f"table.au-list a[href='/audits/forms/{form.pk}/']")).to_have_count(0)
    context.close()
