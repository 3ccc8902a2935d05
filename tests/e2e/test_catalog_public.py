"""GIVEN a published catalog WHEN a citizen on a 360 px phone searches it with an Arabic-keyboard yeh
and opens a service THEN they read its steps, documents and fees, with working-day durations in
Persian digits, and no page scrolls sideways."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from apps.catalog.models import FAQ, Inquiry
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    BodyFactory,
    CounterFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "صدور گواهی عدم سوء پیشینه"


def _fa(message: str, **values) -> str:
    with translation.override("fa"):
        return gettext(message) % values


@pytest.fixture
def catalog(db):
    parent = BodyFactory(name_fa="قوه قضاییه")
    body = BodyFactory(name_fa="ستاد حمایت از کارکنان و خانواده‌ها", parent=parent)
    unit = OrgUnitFactory(body=body, name="دفتر خدمات الکترونیک قضایی ساری", address="ساری، خیابان 18 دی")
    service = SubServiceFactory(
        body=body,
        code="11023",
        title=TITLE,
        channel="hybrid",
        non_electronic_reason="law",
        non_electronic_note="تأیید هویت با حضور متقاضی انجام می‌شود.",
        eservice_url="https://adliran.ir/",
        addresses="ساری، خیابان 18 دی، ساختمان دادگستری\nبابل، خیابان شریعتی",
        average_duration=Decimal(5),
        responsible_name="زهرا کریمی",
        responsible_contact="011-33445566",
    )
    stages = [
        ("پذیرش درخواست و تطبیق مدارک", 2, "hour"),
        ("استعلام از پایگاه سجل کیفری", 2, "working_day"),
        ("بررسی و تأیید کارشناس", 1, "working_day"),
        ("صدور و ارسال گواهی", 4, "hour"),
    ]
    for order, (title, duration, unit_name) in enumerate(stages, start=1):
        WorkflowStageFactory(
            service=service,
            order=order,
            title=title,
            duration=Decimal(duration),
            duration_unit=unit_name,
            responsible_unit=unit,
            responsible_post="کارشناس امور قضایی",
        )
    RequiredDocumentFactory(service=service, title="کارت ملی هوشمند", form="original", upload_required=True)
    RequiredDocumentFactory(service=service, title="شناسنامه", form="both")
    FeeFactory(service=service, title="هزینه صدور گواهی", amount_rials=1500000)
    FeeFactory(
        service=service, title="هزینه خدمات دفتر", amount_rials=350000, account="IR550170000000112233445566"
    )
    Inquiry.objects.create(service=service, title="استعلام سوء پیشینه", answering_body="مرکز آمار قوه قضاییه")
    FAQ.objects.create(service=service, question="اعتبار گواهی چقدر است؟", answer="سه ماه از تاریخ صدور.")
    service.units.add(unit)
    service.counters.add(CounterFactory(unit=unit, number=2, title="پذیرش"))
    SubServiceFactory(body=body, code="11024", title="گواهی تجرد", channel="in_person")
    SubServiceFactory(
        body=BodyFactory(name_fa="سازمان ثبت اسناد و املاک"), code="22001", title="استعلام وضعیت ملک"
    )
    return service


def test_citizen_finds_a_service_and_reads_its_document_on_a_phone(
    page, live_server, catalog, shot, no_horizontal_overflow
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/services/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1").count() == 1
    no_horizontal_overflow(page)
    shot(page, "catalog-public-list-360")

    page.fill("input[name=q]", "گواهي")  # Arabic yeh, as an Arabic keyboard layout types it
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/services/?q=*")
    results = page.locator(".pub-service-title")
    assert sorted(results.all_inner_texts()) == sorted([TITLE, "گواهی تجرد"])
    assert "۱۱۰۲۳" in page.inner_text(".pub-services")
    no_horizontal_overflow(page)
    shot(page, "catalog-public-results-360")

    page.click(f"text={TITLE}")
    page.wait_for_url(f"**/services/{catalog.pk}/")
    assert page.inner_text("h1") == TITLE
    steps = page.locator("#steps tbody tr")
    assert steps.count() == 4
    assert "۲ روز کاری" in steps.nth(1).inner_text()
    assert "۴ ساعت" in steps.nth(3).inner_text()
    promised = _fa("%(days)s working days and %(hours)s hours", days="۳", hours="۶")
    assert promised in page.inner_text(".pub-durations")
    assert page.locator("#documents li").count() == 2
    assert page.locator(".pub-fees > li").count() == 2
    assert "۱٬۵۰۰٬۰۰۰" in page.inner_text("#fees")
    assert "۳۵۰٬۰۰۰" in page.inner_text("#fees")
    # Tap targets: the search button and section links are at least a thumb high.
    assert page.locator(".pub-toc a").first.bounding_box()["height"] >= 40
    no_horizontal_overflow(page)
    shot(page, "catalog-public-detail-360")

    page.click("summary:has-text('اعتبار گواهی')")  # FAQ opens without JavaScript of ours
    assert page.locator("text=سه ماه از تاریخ صدور.").is_visible()

    page.click(".pub-crumbs a:nth-of-type(2)")
    page.wait_for_url(f"**/services/body/{catalog.body_id}/")
    assert "پذیرش" in page.inner_text(".pub-counters")
    no_horizontal_overflow(page)
    shot(page, "catalog-public-body-360")


def test_catalog_works_without_javascript(browser, live_server, catalog, no_horizontal_overflow, shot):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/services/")
    page.click(".pub-filters summary")  # a native <details>: opens without any script
    page.select_option("select[name=channel]", "hybrid")
    page.click(".pub-filters button[type=submit]")
    page.wait_for_url("**/services/?*channel=hybrid*")
    assert page.locator(".pub-service-title").all_inner_texts() == [TITLE]
    assert page.locator(".pub-filters").get_attribute("open") is not None
    no_horizontal_overflow(page)
    shot(page, "catalog-public-filtered-nojs-360")
    context.close()


def test_detail_reads_well_on_a_desktop(page, live_server, catalog, shot, no_horizontal_overflow, axe_check):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/services/{catalog.pk}/")
    assert page.locator("#steps thead th").count() == 5
    axe_check(page)  # the table layout of the steps, not the phone's cards
    no_horizontal_overflow(page)
    shot(page, "catalog-public-detail-1280")
