"""One request from the counter to the applicant's hands, driven through the real pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.text import to_persian_digits
from apps.desk.models import RequestStage, ServiceRequest
from apps.desk.tracking import tracking_code_display
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.i18n import fa as _fa
from tests.pdf_utils import keep_pdf, pdf_text, reads

# Holidays and provinces come from data migrations, which a transactional test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
NATIONAL_CODE = "0499370899"
APPLICANT = "سارا محمدی"
STAGES = ["پذیرش و تطبیق مدارک", "بازدید کارشناس از ملک", "تأیید رئیس اداره و صدور گواهی"]
CONTENT = "گواهی پایان کار ساختمان صادر شد و آماده تحویل است."


@pytest.fixture
def desk(db):
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری")
    service = SubServiceFactory(body=unit.body, code="11450", title="صدور گواهی پایان کار ساختمان")
    for order, title in enumerate(STAGES, start=1):
        WorkflowStageFactory(service=service, order=order, title=title, responsible_unit=unit)
    documents = [
        RequiredDocumentFactory(service=service, order=1, title="کارت ملی مالک", form="original"),
        RequiredDocumentFactory(service=service, order=2, title="سند مالکیت", form="copy"),
    ]
    clerk = staff_user(roles.DESK_CLERK, unit=unit, first_name="مریم", last_name="احمدی")
    officer = staff_user(
        roles.UNIT_OFFICER, unit=unit, first_name="حسین", last_name="کریمی", post="کارشناس ثبت"
    )
    return {"unit": unit, "service": service, "documents": documents, "clerk": clerk, "officer": officer}


def _complete_current_stage(page, note: str) -> None:
    form = page.locator("form.stage-form")
    # Only the actions the stage's state allows are offered, the first one chosen.
    expect(form.locator("input[name=action][value=complete]")).to_be_checked()
    form.locator("#id_note").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_request_goes_from_counter_through_late_stage_to_the_applicants_phone(
    page, browser, live_server, login, desk, shot, no_horizontal_overflow
):
    """GIVEN a sub-service with three stages in one unit and two required documents
    WHEN a clerk registers a request at the counter with the national code typed in Persian digits,
    officers of the unit complete the three stages (the second after its due time) and issue a
    granted response, the applicant tracks it on a 360 px phone and downloads the response, and
    the clerk hands it over
    THEN the receipt and its PDF carry the grouped Persian tracking code and the applicant's name,
    the late stage is shown overdue and then recorded as finished late, the tracking page shows the
    status and timeline without the name until the national code is given, the response PDF holds
    the response, and the request ends delivered."""
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    service, clerk, officer = desk["service"], desk["clerk"], desk["officer"]

    # --- Intake at the counter -------------------------------------------------------------------
    login(page, clerk.user)
    page.goto(f"{live_server.url}/desk/intake/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.click(f"a:has-text('{service.title}')")
    page.wait_for_url(f"{live_server.url}/desk/intake/{service.pk}/")
    page.fill("#id_national_code", to_persian_digits(NATIONAL_CODE))
    page.fill("#id_full_name", APPLICANT)
    page.fill("#id_mobile", to_persian_digits("09121234567"))
    for doc in desk["documents"]:
        page.check(f"#id_doc_{doc.pk}_received")
    no_horizontal_overflow(page)
    shot(page, "desk-journey-1-intake")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")

    sr = ServiceRequest.objects.get()
    assert page.url == f"{live_server.url}/desk/requests/{sr.pk}/receipt/"
    assert sr.national_code == NATIONAL_CODE
    assert sr.full_name == APPLICANT
    assert sr.registered_by == clerk
    assert sorted(sr.documents.values_list("received", flat=True)) == [True, True]
    shown_code = to_persian_digits(tracking_code_display(sr.tracking_code))
    expect(page.locator(".receipt .code.big")).to_have_text(shown_code)
    expect(page.locator(".receipt")).to_contain_text(APPLICANT)
    no_horizontal_overflow(page)
    shot(page, "desk-journey-2-receipt")

    pdf_href = page.get_attribute(".receipt a[href$='receipt.pdf']", "href")
    receipt = page.request.get(f"{live_server.url}{pdf_href}", timeout=60_000)
    assert receipt.ok
    assert receipt.headers["content-type"] == "application/pdf"
    keep_pdf(receipt.body(), "desk-journey-receipt")
    text = pdf_text(receipt.body())
    assert shown_code in text
    assert reads(text, APPLICANT)
    assert reads(text, service.title)

    # --- The unit's officer works the three stages -----------------------------------------------
    officer_context = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    office = officer_context.new_page()
    office.set_default_timeout(WAIT)
    login(office, officer.user)
    detail_url = f"{live_server.url}/desk/requests/{sr.pk}/"
    office.goto(detail_url)
    items = office.locator(".timeline .tl-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_class(re.compile(r"\btl-active\b"))
    _complete_current_stage(office, "مدارک با اصل تطبیق داده شد.")
    expect(items.nth(0)).to_have_class(re.compile(r"\btl-done\b"))
    expect(items.nth(1)).to_have_class(re.compile(r"\btl-active\b"))

    # The second stage overstays its agreed time.
    second = RequestStage.objects.get(request=sr, order=2)
    assert second.state == RequestStage.State.ACTIVE
    RequestStage.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(hours=3))
    office.reload()
    expect(items.nth(1)).to_have_class(re.compile(r"\btl-late\b"))
    expect(items.nth(1).locator(".badge.late")).to_have_text(_fa("Overdue"))
    expect(office.locator(".timeline .tl-late")).to_have_count(1)
    shot(office, "desk-journey-3-stage-overdue")
    _complete_current_stage(office, "بازدید انجام شد؛ ساختمان مطابق پروانه است.")
    expect(office.locator(".messages .msg-warning")).to_have_text(
        _fa("The stage was finished after its agreed time and is recorded as late.")
    )
    expect(items.nth(1).locator(".badge.late")).to_have_text(_fa("Finished late"))
    expect(items.nth(1)).not_to_have_class(re.compile(r"\btl-late\b"))  # finished: no longer red
    second.refresh_from_db()
    assert second.state == RequestStage.State.DONE
    assert second.finished_by == officer
    assert second.finished_at > second.due_at
    assert second.is_overdue

    _complete_current_stage(office, "گواهی امضا شد.")
    expect(office.locator(".timeline .tl-done")).to_have_count(3)
    first, third = (
        RequestStage.objects.get(request=sr, order=1),
        RequestStage.objects.get(request=sr, order=3),
    )
    assert not first.is_overdue
    assert not third.is_overdue
    shot(office, "desk-journey-4-stages-done")

    # --- Response (table 4) ------------------------------------------------------------------------
    with office.expect_navigation():
        office.click(f"a[href$='/desk/requests/{sr.pk}/response/']")
    office.check("input[name=outcome][value=granted]")
    office.fill("#id_content", CONTENT)
    office.fill("#id_legal_basis", "ماده ۱۰۰ قانون شهرداری‌ها و ضوابط طرح تفصیلی")
    office.fill("#id_appeal_authority", "کمیسیون ماده ۱۰۰ شهرداری")
    expect(office.locator("#id_appeal_deadline")).not_to_have_value("")
    no_horizontal_overflow(office)
    shot(office, "desk-journey-5-response-form")
    with office.expect_navigation():
        office.click("form.form button[type=submit]")
    assert office.url == detail_url
    expect(office.locator(".facts .badge.status-answered")).to_be_visible()
    sr.refresh_from_db()
    assert sr.status == ServiceRequest.Status.ANSWERED
    assert sr.outcome == "granted"
    assert sr.response.content == CONTENT
    assert sr.response.issued_by == officer
    officer_context.close()

    # --- The applicant on a phone, without logging in ----------------------------------------------
    citizen_context = browser.new_context(viewport=PHONE, locale="fa-IR", accept_downloads=True)
    phone = citizen_context.new_page()
    phone.set_default_timeout(WAIT)
    phone.goto(f"{live_server.url}/track/?code={sr.tracking_code}")
    assert phone.get_attribute("html", "dir") == "rtl"
    expect(phone.locator(".facts .badge.status-answered")).to_have_text(_fa("Response ready"))
    timeline = phone.locator(".timeline .tl-item")
    expect(timeline).to_have_count(3)
    for n, title in enumerate(STAGES):
        expect(timeline.nth(n).locator(".tl-title")).to_have_text(title)
    expect(timeline.nth(1).locator(".badge.late")).to_have_text(_fa("Finished late"))
    html = phone.content()
    assert APPLICANT not in html
    assert NATIONAL_CODE not in html
    assert to_persian_digits(NATIONAL_CODE) not in html
    assert phone.locator("a[href$='response.pdf']").count() == 0
    no_horizontal_overflow(phone)
    shot(phone, "desk-journey-6-track-phone")

    phone.fill("#nc", to_persian_digits(NATIONAL_CODE))
    with phone.expect_navigation():
        phone.click("form[method=post] button[type=submit]")
    expect(phone.locator("main")).to_contain_text(APPLICANT)
    no_horizontal_overflow(phone)
    shot(phone, "desk-journey-7-track-verified-phone")
    with phone.expect_download(timeout=60_000) as download:
        phone.click("a[href$='response.pdf']")
    pdf = download.value.path().read_bytes()
    keep_pdf(pdf, "desk-journey-response")
    text = pdf_text(pdf)
    assert reads(text, CONTENT)
    assert reads(text, APPLICANT)
    assert shown_code in text
    citizen_context.close()

    # --- The clerk hands the response over: who collects it, checked, confirmed ---------------------
    page.goto(detail_url)
    with page.expect_navigation():
        page.click(f"a[href$='/desk/requests/{sr.pk}/deliver/']")
    page.fill("#id_national_code", to_persian_digits("4032152314"))  # not the applicant's
    page.check("#id_confirm")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()  # "this is not the applicant's national code"
    shot(page, "desk-journey-8-delivery-checked")
    page.fill("#id_national_code", to_persian_digits(NATIONAL_CODE))
    page.check("#id_confirm")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    expect(page.locator(".facts .badge.status-delivered")).to_have_text(_fa("Delivered"))
    expect(page.locator(f"a[href$='/desk/requests/{sr.pk}/deliver/']")).to_have_count(0)
    no_horizontal_overflow(page)
    shot(page, "desk-journey-8-delivered")
    sr.refresh_from_db()
    assert sr.status == ServiceRequest.Status.DELIVERED
    assert sr.delivered_by == clerk
    assert sr.delivered_at
    assert (sr.collected_by_name, sr.collected_by_national_code) == (APPLICANT, NATIONAL_CODE)
