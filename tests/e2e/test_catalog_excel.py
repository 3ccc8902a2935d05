"""Excel round trip of a body's catalog in Chromium (issue #10 item 13).

GIVEN a desk supervisor whose catalog has three services written the way people write them (Persian
digits in titles, addresses, legal bases; stages, documents and fees)
WHEN they download the workbook from the catalog page and import it untouched
THEN the report says nothing changed (0 updated, 3 unchanged) and no history entry is added;
WHEN they change one cell and import again
THEN exactly that service is updated, and its history shows one entry, «ورود از فایل اکسل», with the
value before and after.
"""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from apps.catalog.models import SubService
from apps.core.models import ChangeRecord
from apps.orgs import roles
from apps.orgs.models import OrgUnit
from tests.e2e.conftest import DESKTOP
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    FeeFactory,
    OrgUnitFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 30_000


def _history() -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(SubService)))


@pytest.fixture
def catalog(db):
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران")
    unit = OrgUnitFactory(
        name="اداره کل راه و شهرسازی مازندران",
        body=body,
        province=ProvinceFactory(code="IR-02"),
        level=OrgUnit.Level.PROVINCE,
    )
    housing = DepartmentFactory(parent=unit, name="اداره مسکن و ساختمان")
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی")
    services = [
        SubServiceFactory(
            body=body,
            code="11040021",
            title="صدور گواهی عدم خلافی ساختمان",
            addresses="ساری، بلوار پاسداران، ساختمان شماره ۲\r\nبابل، میدان ۷ تیر",
            complaint_procedure="پاسخ حداکثر ظرف ۱۵ روز کاری داده می‌شود.",
            responsible_contact="۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵",
        ),
        SubServiceFactory(body=body, code="11040022", title="استعلام وضعیت ملک"),
        SubServiceFactory(
            body=body, code="11040023", title="تمدید پروانه ساختمان", average_duration=Decimal("2.5")
        ),
    ]
    for service in services:
        WorkflowStageFactory(service=service, order=1, responsible_unit=unit, title="پذیرش مدارک")
        WorkflowStageFactory(
            service=service, order=2, responsible_unit=housing, title="طرح در کمیسیون ماده ۵"
        )
        RequiredDocumentFactory(service=service, title="تصویر کارت ملی")
        FeeFactory(service=service, legal_basis="تعرفه مصوب شورای عالی شهرسازی ۱۴۰۵")
    return {"body": body, "supervisor": supervisor, "services": services}


def _import(page, path) -> None:
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name=_fa("Upload and import")).click()
    expect(page.locator("#report-title")).to_be_visible()


def _report(page) -> dict[str, str]:
    """The figures of the import report as shown: {label: Persian number}."""
    facts = page.locator("dl.facts > div")
    return {
        facts.nth(i).locator("dt").inner_text().strip(): facts.nth(i).locator("dd").inner_text().strip()
        for i in range(facts.count())
    }


def test_an_untouched_workbook_changes_nothing_and_one_changed_cell_updates_one_service(
    page, live_server, login, shot, no_horizontal_overflow, catalog, tmp_path
):
    page.set_default_timeout(WAIT)
    page.set_viewport_size(DESKTOP)
    body, services = catalog["body"], catalog["services"]
    login(page, catalog["supervisor"].user)

    # The workbook is on the catalog page, where the supervisor keeps the services.
    page.goto(f"{live_server.url}{reverse('catalog:service_list')}")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("#excel-h")).to_have_text(_fa("Excel import and export"))
    shot(page, "catalog-excel-list-1280")
    with page.expect_download() as info:
        page.click("#excel-export")
    download = info.value
    assert download.suggested_filename.startswith(f"catalog-{body.pk}-")
    exported = tmp_path / "catalog.xlsx"
    download.save_as(exported)
    book = load_workbook(exported)
    assert book["services"].sheet_view.rightToLeft
    assert book["fees"]["E2"].value == "تعرفه مصوب شورای عالی شهرسازی ۱۴۰۵"  # Persian digits as stored

    # Imported untouched: nothing changes, nothing is recorded.
    page.click("#excel-import")
    page.wait_for_url(f"**{reverse('catalog:excel_import', args=[body.pk])}")
    _import(page, exported)
    report = _report(page)
    assert report[_fa("Updated")] == "۰"
    assert report[_fa("Unchanged")] == "۳"
    assert report[_fa("Created")] == "۰"
    expect(page.locator(".notice")).to_contain_text("هیچ تغییری ثبت نشد")
    no_horizontal_overflow(page)
    shot(page, "catalog-excel-import-unchanged-1280")
    assert _history() == []
    assert SubService.objects.get(pk=services[0].pk).responsible_contact == "۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵"

    # One cell changed: the second service's fee legal basis.
    fees = book["fees"]
    assert fees["A3"].value == services[1].code
    fees["E3"] = "بند ۴ ماده ۱۱۰ قانون شهرداری"
    changed = tmp_path / "catalog-changed.xlsx"
    book.save(changed)
    _import(page, changed)
    report = _report(page)
    assert report[_fa("Updated")] == "۱"
    assert report[_fa("Unchanged")] == "۲"
    listed = page.locator(".mg-import-changed li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(services[1].title)
    shot(page, "catalog-excel-import-one-updated-1280")
    [record] = _history()
    assert record.object_id == str(services[1].pk)

    # Its history: one entry, in Persian, with the value before and after.
    listed.get_by_role("link").click()
    page.wait_for_url(f"**{reverse('catalog:service_history', args=[services[1].pk])}")
    entries = page.locator(".mg-entry")
    expect(entries).to_have_count(1)
    expect(entries.locator(".mg-entry-action")).to_have_text("ورود از فایل اکسل")
    expect(entries.locator("del")).to_have_text("تعرفه مصوب شورای عالی شهرسازی ۱۴۰۵")
    expect(entries.locator("ins")).to_have_text("بند ۴ ماده ۱۱۰ قانون شهرداری")
    no_horizontal_overflow(page)
    shot(page, "catalog-excel-history-1280")
    for other in (services[0], services[2]):
        page.goto(f"{live_server.url}{reverse('catalog:service_history', args=[other.pk])}")
        expect(page.locator(".mg-entry")).to_have_count(0)


def test_a_workbook_over_the_threshold_is_imported_in_the_background_with_its_report(
    page, live_server, login, shot, no_horizontal_overflow, catalog, tmp_path, settings
):
    """GIVEN the threshold at 2 services and the catalog's workbook of 3 with one title changed
    WHEN the supervisor uploads it THEN the progress page of the import shows the counts when it is
    done and a report workbook listing the changed service downloads from it."""
    settings.CATALOG_IMPORT_INLINE_SERVICES = 2
    page.set_default_timeout(WAIT)
    page.set_viewport_size(DESKTOP)
    body, services = catalog["body"], catalog["services"]
    login(page, catalog["supervisor"].user)
    page.goto(f"{live_server.url}{reverse('catalog:service_list')}")
    with page.expect_download() as info:
        page.click("#excel-export")
    exported = tmp_path / "catalog.xlsx"
    info.value.save_as(exported)
    book = load_workbook(exported)
    book["services"]["B3"] = "استعلام وضعیت ثبتی ملک"
    changed = tmp_path / "catalog-changed.xlsx"
    book.save(changed)

    page.goto(f"{live_server.url}{reverse('catalog:excel_import', args=[body.pk])}")
    page.set_input_files("#id_file", str(changed))
    page.get_by_role("button", name=_fa("Upload and import")).click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("h1")).to_have_text(_fa("Catalog import"))
    expect(page.locator(".file-job-summary")).to_contain_text("۱ خدمت تغییریافته")
    no_horizontal_overflow(page)
    shot(page, "catalog-import-job-done-1280")
    with page.expect_download() as info:
        page.locator("a.file-job-download").click()
    report = tmp_path / "report.xlsx"
    info.value.save_as(report)
    imported = load_workbook(report).worksheets[0]
    assert [row[1:] for row in imported.iter_rows(min_row=2, values_only=True)] == [
        (services[1].code, "استعلام وضعیت ثبتی ملک")
    ]
    assert SubService.objects.get(pk=services[1].pk).title == "استعلام وضعیت ثبتی ملک"
