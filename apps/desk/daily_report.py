"""Table 2 of guide 2 (جدول گزارش کارکنان میز خدمت, seed 002 step 9): the requests each desk clerk
registered in a Jalali day or range, with the dates of their way through the body, as a scoped
selector and an Excel workbook. The screen and the PDF render the same `DailyReport`.

Days are Tehran days: a request taken at 00:10 on 1405/09/05 belongs to the 5th even though it is
still the 4th in UTC. Every figure is counted by the database; the rows are read in one query
however many there are, so the report costs the same for five requests and for five thousand.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from apps.core.jalali import format_date, tehran_bounds
from apps.core.scoping import scope_queryset
from apps.desk.models import ServiceRequest
from apps.orgs.models import OrgUnit, Staff

# A quarter (three Jalali months of 31 days) plus a day: the longest period anyone reviews on paper.
MAX_DAYS = 93

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a "row" of table 2 needs and nothing more: the rows query is the one that grows.
_ROW_FIELDS = (
    "tracking_code",
    "received_at",
    "promised_at",
    "first_stage_at",
    "answered_at",
    "delivered_at",
    "unit",
    "service",
    "service__code",
    "service__title",
    "registered_by",
    "registered_by__first_name",
    "registered_by__last_name",
)

# The per-clerk and whole-desk figures, one COUNT … FILTER each. "On time" is the circular's measure:
# the last stage answered no later than the date promised on the receipt.
_TOTALS = {
    "received": Count("pk"),
    "answered": Count("pk", filter=Q(answered_at__isnull=False)),
    "delivered": Count("pk", filter=Q(delivered_at__isnull=False)),
    "on_time": Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("promised_at"))),
}

# Clerks alphabetically; requests taken on the e-desk (no clerk) after them.
_CLERK_ORDER = (
    F("registered_by__last_name").asc(nulls_last=True),
    F("registered_by__first_name").asc(nulls_last=True),
    F("registered_by_id").asc(nulls_last=True),
)


@dataclass(frozen=True)
class Totals:
    received: int = 0
    answered: int = 0
    delivered: int = 0
    on_time: int = 0


@dataclass
class ClerkSection:
    """One clerk's part of the report (clerk_id None: requests submitted online, with no clerk)."""

    clerk_id: int | None
    name: str
    totals: Totals
    rows: list[ServiceRequest] = field(default_factory=list)


@dataclass
class DailyReport:
    start: dt.date
    end: dt.date
    sections: list[ClerkSection]
    totals: Totals

    @property
    def rows(self) -> list[ServiceRequest]:
        return [row for section in self.sections for row in section.rows]

    @property
    def single_day(self) -> bool:
        return self.start == self.end


def _requests(
    *, user, start: dt.date, end: dt.date, clerk_id: int | None, unit_id: int | None
) -> QuerySet[ServiceRequest]:
    if end < start:
        raise ValueError("the period ends before it starts")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"a daily report covers at most {MAX_DAYS} days")
    since, until = tehran_bounds(start, end)
    qs = scope_queryset(ServiceRequest.objects.all(), user).filter(
        received_at__gte=since, received_at__lt=until
    )
    if clerk_id is not None:
        qs = qs.filter(registered_by_id=clerk_id)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs


def daily_report(
    *, user, start: dt.date, end: dt.date, clerk_id: int | None = None, unit_id: int | None = None
) -> DailyReport:
    """Table 2 for the requests registered from `start` to `end` (Tehran days, inclusive) in the
    user's scope, of one clerk or of everyone, at one desk unit or at all: three queries."""
    qs = _requests(user=user, start=start, end=end, clerk_id=clerk_id, unit_id=unit_id)
    per_clerk = (
        qs.order_by()
        .values("registered_by_id", "registered_by__first_name", "registered_by__last_name")
        .annotate(**_TOTALS)
        .order_by(*_CLERK_ORDER)
    )
    sections = {
        g["registered_by_id"]: ClerkSection(
            clerk_id=g["registered_by_id"],
            name=f"{g['registered_by__first_name']} {g['registered_by__last_name']}"
            if g["registered_by_id"]
            else "",
            totals=Totals(**{key: g[key] for key in _TOTALS}),
        )
        for g in per_clerk
    }
    rows = (
        qs.select_related("service", "registered_by")
        .only(*_ROW_FIELDS)
        .order_by(*_CLERK_ORDER, "received_at", "pk")
    )
    for row in rows:
        section = sections.get(row.registered_by_id)
        if section is None:
            # Registered between the two queries: listed, though the counts above were taken before it.
            section = sections[row.registered_by_id] = ClerkSection(
                clerk_id=row.registered_by_id,
                name=row.registered_by.full_name if row.registered_by else "",
                totals=Totals(),
            )
        section.rows.append(row)
    return DailyReport(
        start=start, end=end, sections=list(sections.values()), totals=Totals(**qs.aggregate(**_TOTALS))
    )


def daily_report_clerks(*, user) -> QuerySet[Staff]:
    """Staff in the user's scope who may appear in table 2: those who have registered a request,
    and the user themself."""
    registered = ServiceRequest.objects.filter(registered_by=OuterRef("pk"))
    me = getattr(getattr(user, "staff", None), "pk", None)
    return (
        scope_queryset(Staff.objects.all(), user)
        .filter(Q(Exists(registered)) | Q(pk=me))
        .select_related("unit", "unit__body", "unit__body__parent")
        .order_by("last_name", "first_name", "pk")
    )


def daily_report_units(*, user) -> QuerySet[OrgUnit]:
    """Desk units in the user's scope that have received requests, and the user's own unit."""
    received = ServiceRequest.objects.filter(unit=OuterRef("pk"))
    own = getattr(getattr(user, "staff", None), "unit_id", None)
    return (
        scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
        .filter(Q(Exists(received)) | Q(pk=own))
        .select_related("body", "body__parent")
        .order_by("path")
    )


# --- Excel ----------------------------------------------------------------------------------------

# The workbook reproduces the printed form, so its words are the circular's Persian ones whatever the
# reader's language. One flat block of rows (with the clerk in a column, so it can be filtered and
# pivoted), then the totals.
XLSX_COLUMNS = (
    ("ردیف", 6),
    ("کارمند میز خدمت", 22),
    ("شماره رسید", 14),
    ("کد خدمت", 12),
    ("عنوان خدمت", 40),
    ("تاریخ دریافت", 13),
    ("تاریخ مراجعه برای دریافت پاسخ", 16),
    ("تاریخ ارسال به اولین مرحله", 16),
    ("تاریخ پاسخ آخرین مرحله", 16),
    ("تاریخ تحویل", 13),
)
XLSX_TOTAL_COLUMNS = ("کارمند میز خدمت", "دریافت‌شده", "پاسخ‌داده‌شده", "تحویل‌شده", "پاسخ به‌موقع")
ONLINE_LABEL = "میز خدمت الکترونیکی (بدون کارمند)"

_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E9EDF1")
_THIN = Side(style="thin", color="888888")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _jalali_text(value) -> str | None:
    # Text, not an Excel date: Excel has no Jalali calendar, and a Gregorian serial would be shown
    # as a Gregorian date. ASCII digits so that it sorts and filters, and reads back when retyped.
    return format_date(value, persian_digits=False) or None


def period_text(start: dt.date, end: dt.date, *, persian_digits: bool = True) -> str:
    first = format_date(start, persian_digits=persian_digits)
    if start == end:
        return first
    return f"{first} تا {format_date(end, persian_digits=persian_digits)}"


def daily_report_xlsx(report: DailyReport, *, clerk_name: str, unit_name: str, body_name: str) -> bytes:
    """Table 2 as a one-sheet, right-to-left xlsx: the header lines, the rows, then the totals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "جدول ۲"
    sheet.sheet_view.rightToLeft = True
    width = len(XLSX_COLUMNS)

    sheet.append(["جدول ۲- جدول گزارش کارکنان میز خدمت"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=13)
    for label, value in (
        ("کارمند میز خدمت", clerk_name),
        ("واحد", unit_name),
        ("دستگاه اجرایی", body_name),
        ("دوره", period_text(report.start, report.end, persian_digits=False)),
    ):
        sheet.append([f"{label}:", None, value])
        sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    sheet.append([])

    header_row = sheet.max_row + 1
    sheet.append([title for title, _width in XLSX_COLUMNS])
    for number, (_title, col_width) in enumerate(XLSX_COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=number)
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(number)].width = col_width

    number = 0
    for section in report.sections:
        for row in section.rows:
            number += 1
            sheet.append(
                [
                    number,
                    section.name or ONLINE_LABEL,
                    row.tracking_code,
                    row.service.code,
                    row.service.title,
                    _jalali_text(row.received_at),
                    _jalali_text(row.promised_at),
                    _jalali_text(row.first_stage_at),
                    _jalali_text(row.answered_at),
                    _jalali_text(row.delivered_at),
                ]
            )
    last_row = sheet.max_row
    for cells in sheet.iter_rows(min_row=header_row + 1, max_row=last_row, max_col=width):
        for cell in cells:
            cell.border = _BOX
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{max(last_row, header_row)}"

    sheet.append([])
    totals_head = sheet.max_row + 1
    sheet.append(list(XLSX_TOTAL_COLUMNS))
    for cell in sheet[totals_head]:
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _BOX
    lines = [(section.name or ONLINE_LABEL, section.totals) for section in report.sections]
    lines.append(("جمع کل میز خدمت", report.totals))
    for label, totals in lines:
        sheet.append([label, totals.received, totals.answered, totals.delivered, totals.on_time])
        for cell in sheet[sheet.max_row]:
            cell.border = _BOX
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
