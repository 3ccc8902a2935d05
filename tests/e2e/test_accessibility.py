"""GIVEN a catalog, a delivered request, an employee's QR card and an e-desk service
WHEN a citizen on a 360 px phone opens every public page, in each state a visit can leave it in
THEN axe-core finds no serious or critical violation on any of them (WCAG 2.x A/AA, contrast
included), with the portal's Content-Security-Policy in force."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.catalog.models import SubService
from apps.core import messaging
from apps.feedback import services as feedback_services
from tests.e2e.conftest import PHONE
from tests.factories import (
    CounterFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    StaffFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    answered_request,
)

# Holidays, provinces and the questionnaire come from data migrations, which a transactional test's
# flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
NATIONAL_CODE = "0499370899"  # tests.factories.registered_request
MOBILE = "09123456789"


@pytest.fixture
def public(db):
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری", address="ساری، خیابان ۱۸ دی")
    service = SubServiceFactory(
        body=unit.body,
        code="11023",
        title="صدور گواهی عدم سوء پیشینه",
        channel="hybrid",
        non_electronic_reason="law",
        non_electronic_note="تأیید هویت با حضور متقاضی انجام می‌شود.",
        eservice_url="https://adliran.ir/",
        average_duration=Decimal(5),
        responsible_name="زهرا کریمی",
        responsible_contact="011-33445566",
    )
    service.units.add(unit)
    service.counters.add(CounterFactory(unit=unit, number=2, title="پذیرش"))
    WorkflowStageFactory(service=service, order=1, title="پذیرش درخواست", responsible_unit=unit)
    WorkflowStageFactory(service=service, order=2, title="صدور گواهی", responsible_unit=unit)
    RequiredDocumentFactory(service=service, title="کارت ملی هوشمند", form="original", upload_required=True)
    FeeFactory(service=service, title="هزینه صدور گواهی", amount_rials=1500000)
    FeeFactory(
        service=service, title="هزینه خدمات دفتر", amount_rials=350000, account="IR550170000000112233445566"
    )
    SubServiceFactory(body=unit.body, code="11024", title="گواهی تجرد", channel="in_person")
    # A two-digit count on the body's badge: axe leaves a one-character text's contrast undecided.
    SubServiceFactory.create_batch(10, body=unit.body, channel="in_person")
    sr = answered_request(unit=unit, service=service)
    card = feedback_services.staff_qr_issue(
        staff=StaffFactory(unit=unit, first_name="مریم", last_name="احمدی", post="کارشناس میز خدمت"), by=None
    )
    return {"service": service, "sr": sr, "card": card}


def test_every_public_page_passes_axe_on_a_phone(page, live_server, public, axe_check, shot):
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(PHONE)
    messaging.outbox.clear()
    service, sr, card = public["service"], public["sr"], public["card"]
    found: list[str] = []
    checked: list[str] = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        found.extend(axe_check(page, fail=False))
        checked.append(name)
        shot(page, f"axe-{name}")

    def visit(path: str, name: str) -> None:
        page.goto(f"{live_server.url}{path}")
        check(name)

    visit("/", "home")
    visit("/services/", "catalog")
    visit("/services/?q=گواهی", "catalog-search")
    visit(f"/services/{service.pk}/", "service")
    visit(f"/services/body/{service.body_id}/", "body")
    visit("/services/999999/", "service-missing")
    visit("/track/", "track")
    visit("/track/?code=12345678901", "track-mistyped")
    visit(f"/track/?code={sr.tracking_code}", "track-code")
    page.fill("#nc", "0000000000")
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")
    expect(page.locator("#nc + .error")).to_be_visible()
    check("track-wrong-national-code")
    page.fill("#nc", NATIONAL_CODE)
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")
    expect(page.locator(".sv-offer a")).to_have_count(1)
    check("track-verified")

    visit(f"/feedback/survey/{sr.tracking_code}/", "survey")
    with page.expect_navigation():
        page.click(".sv-form button[type=submit]")
    expect(page.locator(".sv-errors")).to_be_visible()
    check("survey-errors")

    visit(f"/q/{card.token}", "rate")
    page.locator("input[name=score]").first.check()
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page.locator(".rate-thanks")).to_be_visible()
    check("rate-thanks")
    visit(f"/q/{card.token}", "rate-again")

    in_person = SubService.objects.filter(channel="in_person").first()
    visit(f"/e/{in_person.pk}/", "edesk-in-person")
    visit(f"/e/{service.pk}/", "edesk-mobile")
    page.fill("#mobile", MOBILE)
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("#otp")).to_be_visible()
    check("edesk-code")
    code = re.search(r"#([0-9]{6})\b", messaging.outbox[-1].text).group(1)
    page.fill("#otp", code)
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("#id_national_code")).to_be_visible()
    check("edesk-form")

    visit("/accounts/login/", "login")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("#id_username")).to_have_value("nobody")
    check("login-failed")

    assert len(checked) == 22
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
