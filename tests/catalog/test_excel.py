import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from apps.catalog.excel import SHEETS, RowError, catalog_template, export_catalog, import_catalog
from apps.catalog.models import Fee, LawReference, RequiredDocument, SubService, WorkflowStage
from apps.catalog.services import service_snapshot
from apps.core.models import ChangeRecord
from apps.orgs import roles
from tests.factories import (
    DepartmentFactory,
    FeeFactory,
    OrgUnitFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

HEADERS = {s.name: s.headers for s in SHEETS}


def workbook_bytes(**sheets: list[list]) -> bytes:
    """A workbook with the import headers and the given rows; sheets not passed are left out."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(HEADERS[name])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def service_row(
    code,
    title="صدور گواهی",
    *,
    channel="میز خدمت حضوری",
    reason="الزام قانونی به حضور",
    url="",
    service_type="G2C",
    active="بله",
) -> list:
    return [
        code,
        title,
        "شرح",
        service_type,
        channel,
        reason,
        "",
        url,
        "ساری، خیابان امام",
        5,
        "روز کاری",
        "مریم احمدی",
        "09120000000",
        "دفتر مدیرکل",
        active,
    ]


def stage_row(code, order, unit_name, *, duration=2, unit="روز کاری", title="بررسی مدارک") -> list:
    return [code, order, title, unit_name, "کارشناس", duration, unit]


def document_row(code, title="تصویر کارت ملی", form="تصویر", upload="بله") -> list:
    return [code, title, form, upload]


def fee_row(code, amount=500000, title="هزینه صدور") -> list:
    return [code, title, amount, "IR820170000000123456789012", "ماده ۵ قانون بودجه"]


def catalog_records():
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(SubService))


@pytest.fixture
def body(supervisor):
    return supervisor.unit.body


@pytest.fixture
def finance(supervisor):
    return DepartmentFactory(parent=supervisor.unit, name="امور مالی")


def catalog_of(n: int, unit, finance, *, first_code: int = 20000) -> dict[str, list[list]]:
    codes = [str(first_code + i) for i in range(n)]
    return {
        "services": [service_row(c, f"خدمت {c}") for c in codes],
        "stages": [
            r
            for c in codes
            for r in (stage_row(c, 1, unit.name), stage_row(c, 2, finance.name, duration=4, unit="ساعت"))
        ],
        "documents": [document_row(c) for c in codes],
        "fees": [fee_row(c) for c in codes],
    }


def test_200_services_with_3_bad_rows_import_197_and_report_exactly_those_rows(supervisor, body, finance):
    """
    GIVEN a workbook of 200 services, each with two stages, a document and a fee
      AND a missing title (row 7), an unknown channel (row 50) and a stage with an unknown unit
    WHEN it is imported
    THEN the other 197 services are created with all their rows and exactly those 3 rows are reported
    """
    sheets = catalog_of(200, supervisor.unit, finance)
    sheets["services"][5][1] = ""  # Excel row 7
    sheets["services"][48][4] = "پستی"  # Excel row 50
    sheets["stages"][241][3] = "واحد ناموجود"  # service 20120's 2nd stage: Excel row 243

    report = import_catalog(body=body, file=workbook_bytes(**sheets), by=supervisor.user)

    assert (report.created, report.updated, report.failed) == (197, 0, 3)
    assert report.error_rows() == {("services", 7), ("services", 50), ("stages", 243)}
    assert [(e.row, e.code, e.service_code) for e in report.errors] == [
        (7, "required", "20005"),
        (50, "choice", "20048"),
        (243, "unit", "20120"),
    ]
    assert "عنوان خدمت" in report.errors[0].message
    assert "پستی" in report.errors[1].message
    assert "میز خدمت حضوری" in report.errors[1].message
    assert "واحد ناموجود" in report.errors[2].message
    assert report.failed_codes == ["20005", "20048", "20120"]
    assert SubService.objects.filter(body=body).count() == 197
    assert not SubService.objects.filter(code__in=report.failed_codes).exists()
    service = SubService.objects.get(body=body, code="20199")
    assert [(s.order, s.responsible_unit_id, s.duration, s.duration_unit) for s in service.stages.all()] == [
        (1, supervisor.unit.pk, Decimal(2), "working_day"),
        (2, finance.pk, Decimal(4), "hour"),
    ]
    assert service.documents.get().upload_required is True
    assert service.fees.get().amount_rials == 500000
    assert ChangeRecord.objects.filter(action="imported").count() == 197


def test_import_queries_are_bounded_per_service_and_units_are_loaded_once(supervisor, body, finance):
    """
    GIVEN two workbooks of 200 services, the second with three times as many stage, document and fee rows
    WHEN each is imported
    THEN both take the same number of queries, a constant per service, and the units are read once
    """
    small = catalog_of(200, supervisor.unit, finance)
    large = catalog_of(200, supervisor.unit, finance, first_code=30000)
    codes = [row[0] for row in large["services"]]
    large["stages"] = [stage_row(c, order, finance.name) for c in codes for order in range(1, 7)]
    large["documents"] = [document_row(c, f"مدرک {k}") for c in codes for k in range(3)]
    large["fees"] = [fee_row(c, title=f"هزینه {k}") for c in codes for k in range(3)]
    counts = []
    for sheets in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            report = import_catalog(body=body, file=workbook_bytes(**sheets), by=supervisor.user)
        assert (report.created, report.errors) == (200, [])
        unit_lookups = [q for q in ctx.captured_queries if '"orgs_orgunit"."body_id" =' in q["sql"]]
        assert len(unit_lookups) == 1
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # Per service: savepoint and release, the service and its first dated state, one bulk insert per
    # part, the snapshot, the record.
    assert counts[0] <= 20 + 17 * 200
    assert WorkflowStage.objects.filter(service__code="30000").count() == 6


def test_export_then_import_changes_nothing_and_records_nothing(supervisor, body, finance):
    """
    GIVEN three services whose free text has Persian digits (as people type it), ASCII digits (as
      older forms stored it), Windows line breaks (as a browser posts a text box) and an Arabic ي
      (as the admin site stores it), and stages, documents and fees
    WHEN the exported workbook is imported untouched
    THEN every service is unchanged: not one value is rewritten and nothing enters any history
    """
    twin = DepartmentFactory(parent=supervisor.unit, name=finance.name)  # a name two units share
    services = [
        SubServiceFactory(
            body=body,
            channel="electronic",
            non_electronic_reason="",
            eservice_url="https://x.ir/a",
            complaint_procedure="پاسخ حداکثر ظرف ۱۵ روز کاری",
            responsible_contact="۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵",
        ),
        SubServiceFactory(
            body=body,
            title="تمدید پروانه",
            average_duration=Decimal("2.5"),
            average_duration_unit="hour",
            addresses="ساری، خیابان 12 فروردین\r\nبابل، میدان ۷ تیر",
        ),
        SubServiceFactory(
            body=body,
            active=False,
            service_type="G2B",
            channel="outside",
            non_electronic_reason="internal",
            responsible_name="علي كريمي",
        ),
    ]
    for service in services:
        WorkflowStageFactory(
            service=service, order=1, responsible_unit=supervisor.unit, title="کمیسیون ماده ۵"
        )
        WorkflowStageFactory(
            service=service, order=2, responsible_unit=twin, duration=Decimal("1.5"), duration_unit="hour"
        )
        WorkflowStageFactory(service=service, order=5, responsible_unit=finance, duration=Decimal(3))
        RequiredDocumentFactory(service=service, order=1, form="original", upload_required=True)
        RequiredDocumentFactory(service=service, order=2, form="both", title="فرم شماره ۲")
        FeeFactory(service=service, amount_rials=1250000)
        FeeFactory(service=service, title="هزینه پست", legal_basis="بند 3 ماده 5 قانون بودجه")
    LawReference.objects.create(service=services[0], title="قانون مدیریت خدمات کشوری")
    before = {s.code: service_snapshot(s) for s in SubService.objects.filter(body=body)}

    report = import_catalog(body=body, file=export_catalog(body), by=supervisor.user)

    assert report.errors == []
    assert report.file_errors == []
    assert (report.created, report.updated, report.unchanged, report.failed) == (0, 0, 3, 0)
    after = {s.code: service_snapshot(s) for s in SubService.objects.filter(body=body)}
    assert after == before
    assert not catalog_records().exists()


def test_free_text_keeps_persian_digits_and_codes_are_read_with_ascii_digits(supervisor, body, finance):
    """Free text is stored as the person wrote it (Arabic-keyboard letters and digits made Persian);
    the service code, the e-service URL and the account number, which are looked up and compared,
    get ASCII digits — the portal's forms store the same fields the same way."""
    code = "۴۰۰۱"
    row = service_row(code, "صدور پروانه شماره ۲", url="https://x.ir/۱۲")
    row[2] = "بر اساس بند ٣ ماده ۵ و مصوبه 1404"  # description, with an Arabic-Indic ٣
    row[8] = "ساری، خیابان ۱۸ دی\nبابل، میدان ۷ تیر"
    row[12] = "۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵"
    fee = fee_row(code, title="هزینه مرحله ۲")
    fee[3] = "IR۸۲۰۱۷۰۰۰۰۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲"
    data = workbook_bytes(
        services=[row],
        stages=[stage_row(code, "۱", finance.name, title="طرح در کمیسیون ماده ۵")],
        documents=[document_row(code, title="فرم شماره ۳")],
        fees=[fee],
    )

    report = import_catalog(body=body, file=data, by=supervisor.user)

    assert (report.created, report.errors) == (1, [])
    service = SubService.objects.get(body=body, code="4001")
    assert service.title == "صدور پروانه شماره ۲"
    assert service.description == "بر اساس بند ۳ ماده ۵ و مصوبه 1404"
    assert service.addresses == "ساری، خیابان ۱۸ دی\nبابل، میدان ۷ تیر"
    assert service.responsible_contact == "۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵"
    assert service.eservice_url == "https://x.ir/12"
    assert service.stages.get().title == "طرح در کمیسیون ماده ۵"
    assert service.documents.get().title == "فرم شماره ۳"
    fee = service.fees.get()
    assert (fee.title, fee.legal_basis) == ("هزینه مرحله ۲", "ماده ۵ قانون بودجه")
    assert fee.account == "IR820170000000123456789012"


def test_one_changed_cell_updates_that_service_alone_with_a_persian_history_entry(
    client, supervisor, body, finance
):
    """
    GIVEN a catalog of three services exported to a workbook
    WHEN one fee's legal basis is changed in the file and the file is imported
    THEN only that service is updated, and its history shows one entry, labelled in Persian, with
      the fee's legal basis before and after; the other two services have no history
    """
    services = [SubServiceFactory(body=body) for _ in range(3)]
    for service in services:
        WorkflowStageFactory(service=service, order=1, responsible_unit=finance)
        FeeFactory(service=service)
    book = load_workbook(io.BytesIO(export_catalog(body)))
    fees = book["fees"]
    assert fees.cell(row=3, column=1).value == services[1].code
    fees.cell(row=3, column=5).value = "بند ۴ ماده ۵ قانون بودجه ۱۴۰۵"
    out = io.BytesIO()
    book.save(out)

    report = import_catalog(body=body, file=out.getvalue(), by=supervisor.user)

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 2, [])
    record = catalog_records().get()
    assert (record.object_id, record.action, record.actor) == (
        str(services[1].pk),
        "imported",
        supervisor.user,
    )
    assert record.before["fees"][0]["legal_basis"] == "بند ۳ ماده ۵ قانون بودجه"
    assert record.after["fees"][0]["legal_basis"] == "بند ۴ ماده ۵ قانون بودجه ۱۴۰۵"
    client.force_login(supervisor.user)
    with translation.override("fa"):
        page = client.get(reverse("catalog:service_history", args=[services[1].pk]))
    [entry] = page.context["entries"]
    assert entry.action == "ورود از فایل اکسل"
    [part] = entry.parts
    [row] = part.rows
    assert row.kind == "changed"
    assert [(c.before, c.after) for c in row.fields] == [
        ("بند ۳ ماده ۵ قانون بودجه", "بند ۴ ماده ۵ قانون بودجه ۱۴۰۵")
    ]
    html = page.content.decode()
    assert '<strong class="mg-entry-action">ورود از فایل اکسل</strong>' in html
    assert "Imported" not in html
    for other in (services[0], services[2]):
        assert client.get(reverse("catalog:service_history", args=[other.pk])).context["entries"] == []


def test_exported_catalog_recreates_the_same_services_from_scratch(supervisor, body, finance):
    for service in SubServiceFactory.create_batch(4, body=body):
        WorkflowStageFactory(service=service, order=1, responsible_unit=finance)
        RequiredDocumentFactory(service=service)
        FeeFactory(service=service)

    def content():
        drop = {"id", "service", "service_id"}
        return {
            s.code: {
                k: [{f: v for f, v in row.items() if f not in drop} for row in v]
                if isinstance(v, list)
                else v
                for k, v in service_snapshot(s).items()
                if k != "id"
            }
            for s in SubService.objects.filter(body=body)
        }

    expected = content()
    data = export_catalog(body)
    SubService.objects.filter(body=body).delete()

    report = import_catalog(body=body, file=data, by=supervisor.user)

    assert report.created == 4
    assert content() == expected


def test_persian_and_arabic_digits_and_letters_are_read(supervisor, body, finance):
    code = "۳۰۰۱"
    data = workbook_bytes(
        services=[service_row(code, "تمديد كارت")],
        stages=[stage_row(code, "۱", "امور مالي", duration="۲/۵", unit="ساعت")],
        fees=[fee_row(code, amount="۱٬۵۰۰٬۰۰۰"), fee_row(code, amount="٢٥٠٠٠", title="تمبر")],
    )
    report = import_catalog(body=body, file=data, by=supervisor.user)
    assert report.errors == []
    service = SubService.objects.get(body=body, code="3001")
    assert service.title == "تمدید کارت"
    stage = service.stages.get()
    assert (stage.responsible_unit_id, stage.duration) == (finance.pk, Decimal("2.5"))
    assert list(service.fees.values_list("amount_rials", flat=True)) == [1500000, 25000]


@pytest.mark.parametrize(
    ("sheets", "row", "code"),
    [
        ({"stages": [stage_row("1", 1, "امور مالی", duration=0)]}, ("stages", 2), "positive"),
        ({"stages": [stage_row("1", 1, "امور مالی", duration="1.5")]}, ("stages", 2), "invalid"),
        (
            {"stages": [stage_row("1", 1, "امور مالی"), stage_row("1", 1, "امور مالی")]},
            ("stages", 3),
            "duplicate",
        ),
        ({"fees": [fee_row("1", amount=-5)]}, ("fees", 2), "positive"),
        ({"fees": [fee_row("1", amount="بسیار")]}, ("fees", 2), "number"),
        ({"documents": [document_row("1", form="فتوکپی")]}, ("documents", 2), "choice"),
        ({"services": [service_row("1"), service_row("1")]}, ("services", 3), "duplicate"),
        ({"services": [service_row("1", reason="")]}, ("services", 2), "invalid"),
        ({"services": [service_row("1", channel="الکترونیکی", reason="")]}, ("services", 2), "invalid"),
        ({"services": [service_row("1", service_type="B2B")]}, ("services", 2), "choice"),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_blocks_its_service(
    supervisor, body, finance, sheets, row, code
):
    sheets = {"services": [service_row("1")], **sheets}
    report = import_catalog(body=body, file=workbook_bytes(**sheets), by=supervisor.user)
    assert [((e.sheet, e.row), e.code) for e in report.errors] == [(row, code)]
    assert report.created == 0
    assert not SubService.objects.filter(body=body).exists()


def test_a_row_of_an_unknown_service_is_reported_and_the_others_import(supervisor, body, finance):
    data = workbook_bytes(services=[service_row("1")], fees=[fee_row("999"), fee_row("1")])
    report = import_catalog(body=body, file=data, by=supervisor.user)
    assert [(e.row, e.code, e.service_code) for e in report.errors] == [(2, "unknown_service", "999")]
    assert (report.created, report.failed) == (1, 0)
    assert SubService.objects.get(code="1").fees.count() == 1


def test_row_errors_read_in_persian_with_the_row_number_excel_shows():
    error = RowError("services", 7, "required", "«کد خدمت» خالی است.")
    with translation.override("fa"):
        assert str(error).startswith("ردیف ۷: «کد خدمت»")
    with translation.override("en"):
        assert str(error).startswith("Row 7: ")


def test_a_unit_name_two_units_share_needs_the_unit_number(supervisor, body, finance):
    twin = DepartmentFactory(parent=supervisor.unit, name=finance.name)
    data = workbook_bytes(
        services=[service_row("1"), service_row("2")],
        stages=[stage_row("1", 1, finance.name), stage_row("2", 1, f"{finance.name} #{twin.pk}")],
    )
    report = import_catalog(body=body, file=data, by=supervisor.user)
    assert [(e.row, e.code) for e in report.errors] == [(2, "unit_ambiguous")]
    assert SubService.objects.get(code="2").stages.get().responsible_unit == twin


def test_stage_rows_alone_replace_only_the_stages_of_an_existing_service(supervisor, body, finance):
    service = SubServiceFactory(body=body, code="77")
    WorkflowStageFactory(service=service, order=1, responsible_unit=finance)
    WorkflowStageFactory(service=service, order=2, responsible_unit=finance)
    document = RequiredDocumentFactory(service=service)
    data = workbook_bytes(stages=[stage_row("77", 1, finance.name, title="پذیرش", duration=3)], documents=[])
    report = import_catalog(body=body, file=data, by=supervisor.user)
    assert (report.updated, report.errors) == (1, [])
    assert [(s.order, s.title, s.duration) for s in service.stages.all()] == [(1, "پذیرش", Decimal(3))]
    assert list(service.documents.all()) == [document]
    record = ChangeRecord.objects.get(action="imported")
    assert len(record.before["stages"]) == 2
    assert len(record.after["stages"]) == 1


def test_a_workbook_with_wrong_headers_imports_nothing(supervisor, body):
    wb = Workbook()
    wb.active.title = "services"
    wb.active.append(["code", "title"])
    wb.active.append(["1", "x"])
    out = io.BytesIO()
    wb.save(out)
    report = import_catalog(body=body, file=out.getvalue(), by=supervisor.user)
    assert report.file_errors
    assert "کد خدمت" in report.file_errors[0]
    assert not SubService.objects.exists()


def test_the_template_example_row_imports(supervisor, body):
    DepartmentFactory(parent=supervisor.unit, name="اداره صدور مجوزها")
    report = import_catalog(body=body, file=catalog_template(), by=supervisor.user)
    assert (report.created, report.errors) == (1, [])
    assert WorkflowStage.objects.count() == RequiredDocument.objects.count() == Fee.objects.count() == 1


# --- views --------------------------------------------------------------------------------------


def test_supervisor_downloads_the_catalog_as_an_rtl_workbook(client, supervisor, body):
    SubServiceFactory(body=body, code="5005")
    client.force_login(supervisor.user)
    response = client.get(reverse("catalog:excel_export", args=[body.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["services", "stages", "documents", "fees"]
    ws = wb["services"]
    assert ws.sheet_view.rightToLeft
    assert ws["A1"].font.b
    assert (ws["A1"].value, ws["A2"].value) == ("کد خدمت", "5005")


def test_supervisor_uploads_a_workbook_and_sees_the_report(client, supervisor, body, finance):
    sheets = catalog_of(3, supervisor.unit, finance)
    sheets["fees"][1][2] = 0
    upload = SimpleUploadedFile("catalog.xlsx", workbook_bytes(**sheets))
    client.force_login(supervisor.user)
    response = client.post(reverse("catalog:excel_import", args=[body.pk]), {"file": upload})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.failed) == (2, 1)
    assert [(e.sheet, e.row, e.service_code) for e in response.context["shown_errors"]] == [
        ("fees", 3, "20001")
    ]
    assert "مبلغ (ریال)" in response.content.decode()


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "کد خدمت,عنوان\n1,x\n".encode()],
    ids=["pdf", "text"],
)
def test_a_file_that_is_not_xlsx_is_refused_with_a_clear_message(client, supervisor, body, content):
    client.force_login(supervisor.user)
    upload = SimpleUploadedFile("catalog.xlsx", content, content_type="application/vnd.ms-excel")
    response = client.post(reverse("catalog:excel_import", args=[body.pk]), {"file": upload})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["file"]
    assert [e.code for e in errors] == ["type"]
    assert "xlsx" in response.content.decode()
    assert response.context["report"] is None
    assert not SubService.objects.exists()


def test_supervisor_cannot_reach_another_provinces_body(client, supervisor):
    other = OrgUnitFactory(province=ProvinceFactory(code="X999"))
    client.force_login(supervisor.user)
    assert client.get(reverse("catalog:excel_export", args=[other.body_id])).status_code == 404
    assert client.get(reverse("catalog:excel_import", args=[other.body_id])).status_code == 404
    upload = SimpleUploadedFile("catalog.xlsx", catalog_template())
    response = client.post(reverse("catalog:excel_import", args=[other.body_id]), {"file": upload})
    assert response.status_code == 404


def test_clerk_is_forbidden(client, clerk):
    client.force_login(clerk.user)
    for url in (
        reverse("catalog:excel_export", args=[clerk.unit.body_id]),
        reverse("catalog:excel_import", args=[clerk.unit.body_id]),
        reverse("catalog:excel_template"),
    ):
        assert client.get(url).status_code == 403


def test_administrator_reaches_any_body(client):
    admin = staff_user(roles.ADMINISTRATOR)
    unit = OrgUnitFactory(province=ProvinceFactory(code="X998"))
    client.force_login(admin.user)
    assert client.get(reverse("catalog:excel_import", args=[unit.body_id])).status_code == 200


def test_pages_need_login(client, body):
    response = client.get(reverse("catalog:excel_import", args=[body.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_template_download_has_headers_and_an_example_row(client, supervisor):
    client.force_login(supervisor.user)
    response = client.get(reverse("catalog:excel_template"))
    wb = load_workbook(io.BytesIO(response.content))
    for sheet in SHEETS:
        rows = list(wb[sheet.name].iter_rows(values_only=True))
        assert list(rows[0]) == sheet.headers
        assert len(rows) == 2


def test_the_import_page_links_each_changed_service_and_says_when_nothing_changed(
    client, supervisor, body, finance
):
    service = SubServiceFactory(body=body, title="صدور پروانه")
    WorkflowStageFactory(service=service, order=1, responsible_unit=finance)
    url = reverse("catalog:excel_import", args=[body.pk])
    client.force_login(supervisor.user)
    data = export_catalog(body)
    with translation.override("fa"):
        response = client.post(url, {"file": SimpleUploadedFile("catalog.xlsx", data)})
    assert response.context["report"].changed == []
    assert "هیچ تغییری ثبت نشد" in response.content.decode()

    book = load_workbook(io.BytesIO(data))
    book["services"]["B2"] = "صدور پروانه ساختمان"
    out = io.BytesIO()
    book.save(out)
    with translation.override("fa"):
        response = client.post(url, {"file": SimpleUploadedFile("catalog.xlsx", out.getvalue())})
    assert response.context["report"].changed == [("updated", service)]
    html = response.content.decode()
    assert (
        f'<a href="{reverse("catalog:service_history", args=[service.pk])}">صدور پروانه ساختمان</a>' in html
    )
    assert "هیچ تغییری ثبت نشد" not in html


def test_text_that_looks_like_a_formula_is_exported_as_text_and_comes_back(supervisor, body, finance):
    service = SubServiceFactory(body=body, description='=HYPERLINK("http://x.example","y")')
    WorkflowStageFactory(service=service, order=1, responsible_unit=finance)
    data = export_catalog(body)
    assert load_workbook(io.BytesIO(data))["services"]["C2"].data_type == "s"
    report = import_catalog(body=body, file=data, by=supervisor.user)
    assert (report.updated, report.unchanged) == (0, 1)
    service.refresh_from_db()
    assert service.description == '=HYPERLINK("http://x.example","y")'


# --- a large workbook: imported by a file job ------------------------------------------------------


def test_a_workbook_over_the_threshold_is_imported_by_a_job_with_counts_and_a_report(
    client, supervisor, body, finance, settings, django_capture_on_commit_callbacks
):
    """GIVEN a workbook of 6 services, one with an unknown channel, over a threshold of 5
    WHEN the supervisor uploads it THEN the page is the job's progress page; the job imports the 5
    good services, says so, offers a report of what was imported and refused, and deletes the upload."""
    from django.core.files.storage import default_storage

    from apps.core.models import FileJob
    from tests.filejobs import download, job_of

    settings.CATALOG_IMPORT_INLINE_SERVICES = 5
    sheets = catalog_of(6, supervisor.unit, finance)
    sheets["services"][3][4] = "کبوتر نامه‌بر"
    upload = SimpleUploadedFile("catalog.xlsx", workbook_bytes(**sheets))
    client.force_login(supervisor.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:excel_import", args=[body.pk]), {"file": upload})
    job = job_of(response)
    job.refresh_from_db()
    assert (job.kind, job.state) == (FileJob.Kind.CATALOG_IMPORT, FileJob.State.DONE)
    assert SubService.objects.filter(body=body).count() == 5
    assert not default_storage.exists(job.params["upload"])
    page = client.get(response["Location"]).content.decode()
    with translation.override("fa"):
        assert job.message in page
    assert "۵" in job.message  # the counts, in Persian digits

    served, content = download(client, job)
    assert served["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    imported, refused = load_workbook(io.BytesIO(content)).worksheets
    assert imported.max_row == 1 + 5
    assert [row[1] for row in refused.iter_rows(min_row=2, values_only=True)] == [5]  # Excel row of the bad one

    other = staff_user(roles.BODY_SUPERVISOR)
    client.force_login(other.user)
    assert client.get(response["Location"]).status_code == 404


def test_a_job_whose_body_left_the_uploaders_scope_imports_nothing(supervisor, body, finance, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.core import filejobs
    from apps.core.models import FileJob

    kept = default_storage.save("jobs/uploads/test.xlsx", ContentFile(workbook_bytes(**catalog_of(2, supervisor.unit, finance))))
    stranger = staff_user(roles.BODY_SUPERVISOR)
    job = FileJob.objects.create(
        kind=FileJob.Kind.CATALOG_IMPORT, requested_by=stranger.user, params={"body": body.pk, "upload": kept},
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert filejobs.file_job_run(job_id=job.pk) == FileJob.State.FAILED
    assert not SubService.objects.filter(body=body).exists()
    assert not default_storage.exists(kept)
