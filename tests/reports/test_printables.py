"""The quarterly report and annex 3 tables print as Persian PDFs — tables and SVG charts, headers and
figures in Persian digits, A4 (landscape for annex 3) — and as right-to-left Excel workbooks with the
same figures. The PDFs and their pages are kept under test-artifacts/pdf/ to look at."""

import io

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import load_workbook

from apps.reports import annex3, excel
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import _pdf_context, report_compile
from tests.factories import report_audit_form_verified
from tests.pdf_utils import keep_pdf, pdf_page_size_mm, pdf_text, reads
from tests.reports.conftest import PERIOD


@pytest.fixture
def quarterly(world):
    return report_compile(
        kind=Report.Kind.QUARTERLY_PROVINCE, period=PERIOD, scope=Scope(Scope.PROVINCE, world.mazandaran.pk)
    )


def test_quarterly_report_html_draws_its_charts_as_inline_svg(quarterly):
    with translation.override("fa"):
        html = render_to_string("pdf/report_performance.html", _pdf_context(quarterly, quarterly.figures))
    # Six axes + the overall index, three desks, five rating levels, and the channels' stacked bar.
    assert html.count('<svg class="rp-bar"') == 7 + 3 + 5
    assert html.count('<svg class="rp-stack"') == 1
    assert "<script" not in html


def test_quarterly_report_pdf_is_persian_with_its_figures(quarterly):
    pdf = quarterly.pdf.read()
    keep_pdf(pdf, "report-quarterly-province")
    assert pdf_page_size_mm(pdf) == (210, 297)
    text = pdf_text(pdf)
    for phrase in (
        "گزارش سه‌ماهه عملکرد میزهای خدمت استان",
        "سه‌ماهه دوم",  # the period in words, never its code
        "شاخص رضایت ارباب رجوع به تفکیک محور",
        "زمان فرایند",
        "۳۷٫۵",  # the process-time axis
        "۶۸٫۸",  # the overall index
        "۶۰٪",  # on time: 3 of 5
        "رتبه‌بندی واحدها و دستگاه‌ها",
        "نرخ پاسخ به‌موقع",
        "شاخص رضایت ارباب رجوع",
        "۸۵٫۹",  # the first unit's score
        "صدور پاسخ",
        "میز خدمت الکترونیکی",
    ):
        assert reads(text, phrase), phrase
    # pdftotext moves numbers and signs around in right-to-left lines; the page itself reads
    # «امتیاز = ۳۲٪ × نرخ پاسخ به‌موقع + …» (look at test-artifacts/pdf/report-quarterly-province-*.png).
    assert "٪۳۲" in text
    assert "٪۱۰" in text
    assert "٪۶" in text  # the cases' on-time term
    assert "۱۴۰۵" in text
    assert "Q2" not in text
    assert "Q۲" not in text
    assert "68.8" not in text
    assert "85.9" not in text


def test_quarterly_report_excel_is_rtl_with_the_same_figures(quarterly):
    book = load_workbook(io.BytesIO(quarterly.xlsx.read()))
    assert book.sheetnames == ["خلاصه", "شاخص رضایت", "تأخیر", "موارد", "رتبه‌بندی"]
    summary = book["خلاصه"]
    assert summary.sheet_view.rightToLeft
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert values["دوره"] == "سه‌ماهه دوم ۱۴۰۵"
    assert values["درخواست‌های دریافت‌شده"] == 6
    assert values["نرخ پاسخ به‌موقع (٪)"] == 60.0
    assert values["شاخص کلی رضایت (۰ تا ۱۰۰)"] == 68.8
    ranking = [row for row in book["رتبه‌بندی"].iter_rows(values_only=True) if row and row[0]]
    assert any(row[0] == quarterly.figures["ranking"]["formula"]["text"] for row in ranking)
    assert (1, "اداره راه شهرستان ساری") in [(row[0], row[1]) for row in ranking]


@pytest.fixture
def audited(world):
    report_audit_form_verified(
        unit=world.u1,
        year=1405,
        number=3,
        channels=["in_person", "in_person", "electronic", "hybrid"],
        false_channel=1,
        space={1: "excellent", 2: "good", 3: "average", 4: "weak"},
    )
    return world


def test_annex3_table1_pdf_has_the_official_headers_in_landscape(audited):
    from django.utils import timezone

    from apps.core.pdf import render_pdf

    table = annex3.table1(period="1405-B3", province=audited.mazandaran)
    pdf = render_pdf("pdf/annex3_table1.html", {"table": table, "printed_at": timezone.now()})
    keep_pdf(pdf, "annex3-table1")
    assert pdf_page_size_mm(pdf) == (297, 210)
    text = pdf_text(pdf)
    # Headers that wrap inside their cells interleave in pdftotext's layout; the channel headers are
    # checked whole in the Excel test, and the page image shows them (test-artifacts/pdf/annex3-table1-1.png).
    for phrase in (
        "قالب ارسال اطلاعات توسط سازمان مدیریت و برنامه‌ریزی استان",
        "عنوان دستگاه اصلی",
        "تعداد خدمات ارائه شده در",
        "نتایج ارزیابی بخش ۱",
        "ارزیابی عمومی استقرار فضای میز خدمت",
        "اداره کل راه و شهرسازی مازندران",
        "وزارت راه و شهرسازی",
        "مرداد–شهریور",  # the bimonth in words, never its code
        "بسیار عالی",
        "مجموع",
    ):
        assert reads(text, phrase), phrase
    assert "B3" not in text
    assert "B۳" not in text
    # The roads row, read left to right: forms 1; §2 25 50 75 100; false 1; ratios 50 50; e d c b 0 1 1 2;
    # a 4 — the counts of the verified form's rows, so b/a = 2/4 and (c+d)/a = 2/4 as printed.
    assert reads(text, "۱ ۲۵ ۵۰ ۷۵ ۱۰۰ ۱ ۵۰ ۵۰ ۰ ۱ ۱ ۲ ۴")
    assert reads(text, "فرم صحه‌گذاری‌شده‌ای ندارد")  # the registry's row


def test_annex3_table2_pdf_and_excel(audited):
    from django.utils import timezone

    from apps.core.pdf import render_pdf
    from apps.orgs.models import Body

    table = annex3.table2(
        period="1405-B3", bodies=Body.objects.filter(units__isnull=False).distinct(), hq_only=False
    )
    pdf = render_pdf("pdf/annex3_table2.html", {"table": table, "printed_at": timezone.now()})
    keep_pdf(pdf, "annex3-table2")
    assert pdf_page_size_mm(pdf) == (297, 210)
    text = pdf_text(pdf)
    for phrase in (
        "قالب ارسال اطلاعات توسط ستاد مرکزی دستگاه‌های اجرایی",
        "عنوان دستگاه اصلی",
        "میز خدمت الکترونیکی",
        "مجموع",
        "فرم صحه‌گذاری‌شده‌ای ندارد",
    ):
        assert reads(text, phrase), phrase

    book = load_workbook(io.BytesIO(excel.table2_xlsx(table)))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    for header in (
        annex3.H_BODY,
        annex3.H_PARENT,
        annex3.H_TOTAL,
        annex3.H_DELIVERED_IN,
        annex3.H_IN_PERSON,
        annex3.H_OUTSIDE,
    ):
        assert header in cells
    total_row = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "مجموع")
    assert total_row[3:8] == (4, 2, 1, 1, 0)  # the one verified form: the roads directorate's


def test_annex3_table1_excel_has_the_evaluators_columns(audited):
    table = annex3.table1(period="1405-B3", province=audited.mazandaran)
    sheet = load_workbook(io.BytesIO(excel.table1_xlsx(table))).active
    roads = next(
        row for row in sheet.iter_rows(values_only=True) if row[1] == "اداره کل راه و شهرسازی مازندران"
    )
    # No., body, parent, a–e, b/a, (c+d)/a, false, §2 × 4, forms
    assert roads[3:] == (4, 2, 1, 1, 0, 50.0, 50.0, 1, 100.0, 75.0, 50.0, 25.0, 1)


def test_bimonthly_audit_report_prints_table1(audited):
    report = report_compile(
        kind=Report.Kind.BIMONTHLY_AUDIT, period="1405-B3", scope=Scope(Scope.PROVINCE, audited.mazandaran.pk)
    )
    assert report.status == Report.Status.DONE
    pdf = report.pdf.read()
    keep_pdf(pdf, "report-bimonthly-audit")
    text = pdf_text(pdf)
    assert reads(text, "گزارش دوماهه نتایج ارزیابی استقرار میز خدمت")
    assert reads(text, "قالب ارسال اطلاعات توسط سازمان مدیریت و برنامه‌ریزی استان")
    assert load_workbook(io.BytesIO(report.xlsx.read())).sheetnames == ["جدول ۱ پیوست ۳", "ممیزی"]
