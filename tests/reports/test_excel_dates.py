"""Dates in the Excel workbooks are Jalali, as everywhere a reader of the portal sees a date."""

import io

from openpyxl import load_workbook

from tests.reports.test_printables import quarterly  # noqa: F401 (fixture)


def test_the_quarterly_workbook_gives_its_date_range_in_jalali(quarterly):  # noqa: F811
    summary = load_workbook(io.BytesIO(quarterly.xlsx.read()))["خلاصه"]

    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}

    # 1405-Q2 is Tir–Shahrivar: 2026-06-22 to 2026-09-22.
    assert values["از تاریخ / تا تاریخ"] == "۱۴۰۵/۰۴/۰۱ تا ۱۴۰۵/۰۶/۳۱"
