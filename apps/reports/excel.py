"""Excel workbooks of the periodic reports and of annex 3 tables 1 and 2: right-to-left sheets with
the official Persian headers, built from the frozen figures (never from live data)."""

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from apps.core.jalali import format_date
from apps.reports import annex3
from apps.reports.text import KIND_TITLES_FA, period_label

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEAD_FILL = PatternFill("solid", fgColor="E9EDF1")
_TOTAL_FILL = PatternFill("solid", fgColor="F4F6F8")
_THIN = Side(style="thin", color="888888")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _sheet(workbook: Workbook, title: str, *, first: bool = False) -> Worksheet:
    # A new workbook comes with one empty sheet: the first sheet written takes its place.
    pristine = (
        len(workbook.worksheets) == 1 and workbook.active.title == "Sheet" and workbook.active.max_row == 1
    )
    sheet = workbook.active if first or pristine else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = True
    return sheet


def _title(sheet: Worksheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(
        start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=max(width, 1)
    )
    cell = sheet.cell(row=sheet.max_row, column=1)
    cell.font = _TITLE
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[sheet.max_row].height = 36


def _facts(sheet: Worksheet, pairs) -> None:
    for label, value in pairs:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = _BOLD


def _table(
    sheet: Worksheet, headers: list[str], rows: list[list], *, widths=None, total: list | None = None
) -> None:
    """A boxed table with a shaded header row (and a shaded totals row when given)."""
    sheet.append(headers)
    head = sheet.max_row
    for number, _header in enumerate(headers, start=1):
        cell = sheet.cell(row=head, column=number)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEAD_FILL, _BOX, _WRAP
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row][: len(headers)]:
            cell.border = _BOX
    if total is not None:
        sheet.append(total)
        for cell in sheet[sheet.max_row][: len(headers)]:
            cell.border, cell.font, cell.fill = _BOX, _BOLD, _TOTAL_FILL
    for number, width in enumerate(widths or [], start=1):
        current = sheet.column_dimensions[get_column_letter(number)].width or 0
        sheet.column_dimensions[get_column_letter(number)].width = max(current, width)


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _jalali(iso: str) -> str:
    """An ISO date of the frozen figures as the Jalali date a reader of the sheet expects (۱۴۰۵/۰۴/۰۱)."""
    return format_date(dt.date.fromisoformat(iso), persian_digits=True)


def _v(value):
    """Missing figures are an empty cell, not a zero."""
    return "" if value is None else value


# --- performance reports --------------------------------------------------------------------------


def _cases_sheet(workbook: Workbook, cases: dict) -> None:
    """People's communication cases (issue 12): the totals, then one table per breakdown."""
    sheet = _sheet(workbook, "موارد")
    _title(sheet, "موارد ارتباطات مردمی", 7)
    _table(
        sheet,
        ["شاخص", "مقدار"],
        [
            ["موارد ثبت‌شده", cases["registered"]],
            ["موارد سررسید در دوره", cases["due"]],
            ["بسته‌شده تا موعد", cases["on_time"]],
            ["نرخ رسیدگی به‌موقع (٪)", _v(cases["on_time_rate"])],
            ["باز و معوق در پایان دوره", cases["open_overdue"]],
            ["موارد بسته‌شده در دوره", cases["closed"]],
            ["امتیازهای رسیدگی", cases["rated"]],
            ["میانگین رضایت از رسیدگی (۱ تا ۵)", _v(cases["rating_average"])],
            ["ارجاع‌ها", cases["referrals"]],
            ["شکایت‌ها", cases["complaints"]],
            ["اعتراض‌ها", cases["objections"]],
            ["ایده‌های ثبت‌شده", cases["ideas"]],
            ["ایده‌های پذیرفته‌شده", cases["ideas_accepted"]],
            ["ایده‌های اجراشده", cases["ideas_implemented"]],
        ],
        widths=[40, 16, 14, 14, 16, 14, 16],
    )
    sheet.append([])
    _table(
        sheet,
        ["نوع مورد", "ثبت‌شده", "سررسید", "به‌موقع", "نرخ به‌موقع (٪)", "بسته‌شده", "رضایت (۱ تا ۵)"],
        [
            [r["name"], r["count"], r["due"], r["on_time"], _v(r["on_time_rate"]), r["closed"], _v(r["rating_average"])]
            for r in cases["by_type"]
        ],
    )
    for title, rows in (
        ("سطح", cases["by_level"]),
        ("شیوه ثبت", cases["by_channel"]),
        ("دستگاه", cases["by_body"]),
        ("شهرستان", cases["by_county"]),
        ("نوع ارجاع", cases["referrals_by_kind"]),
        ("نتیجه موارد ارجاع‌شده", cases["referral_outcomes"]),
        ("دستگاه مورد شکایت", cases["complaints_by_body"]),
        ("سمت مقام مورد شکایت", cases["complaints_by_post"]),
    ):
        sheet.append([])
        _table(sheet, [title, "تعداد"], [[r["name"], r["count"]] for r in rows])
    sheet.append([])
    _table(
        sheet,
        ["واحد رسیدگی‌کننده", "دستگاه", "سررسید", "به‌موقع", "نرخ به‌موقع (٪)", "بسته‌شده", "رضایت (۱ تا ۵)"],
        [
            [r["name"], r["body"], r["due"], r["on_time"], _v(r["on_time_rate"]), r["closed"], _v(r["rating_average"])]
            for r in cases["by_unit"]
        ],
    )


def report_xlsx(figures: dict) -> bytes:
    """A quarterly / six-monthly report: summary, satisfaction, lateness, ranking (and provinces)."""
    workbook = Workbook()
    summary = _sheet(workbook, "خلاصه", first=True)
    _title(summary, KIND_TITLES_FA.get(figures["kind"], "گزارش دوره‌ای"), 4)
    requests, stages, ratings = figures["requests"], figures["stages"], figures["ratings"]
    satisfaction, channels = figures["satisfaction"], figures["channels"]
    _facts(
        summary,
        [
            ("حوزه گزارش", figures["scope"]["name"]),
            ("دوره", period_label(figures["period"], persian=True)),
            ("از تاریخ / تا تاریخ", f"{_jalali(figures['start'])} تا {_jalali(figures['end'])}"),
        ],
    )
    summary.append([])
    _table(
        summary,
        ["شاخص", "مقدار"],
        [
            ["درخواست‌های دریافت‌شده", requests["received"]],
            ["درخواست‌های پاسخ‌داده‌شده", requests["answered"]],
            ["پاسخ‌های تحویل‌شده", requests["delivered"]],
            ["پاسخ به‌موقع", requests["on_time"]],
            ["نرخ پاسخ به‌موقع (٪)", _v(requests["on_time_rate"])],
            ["سهم درخواست‌های الکترونیکی (٪)", _v(requests["electronic_share"])],
            ["مراحل انجام‌شده", stages["finished"]],
            ["مراحل با تأخیر", stages["late"]],
            ["میانگین تأخیر مراحل دیرکرد (ساعت)", _v(stages["avg_late_hours"])],
            ["مراحل باز و معوق در پایان دوره", stages["open_overdue"]],
            ["پرسشنامه‌های تکمیل‌شده", satisfaction["responses"]],
            ["شاخص کلی رضایت (۰ تا ۱۰۰)", _v(satisfaction["overall"])],
            ["تعداد امتیازهای کارکنان", ratings["count"]],
            ["میانگین امتیاز کارکنان (۱ تا ۵)", _v(ratings["average"])],
            ["امتیازهای در انتظار بررسی", ratings["held"]],
        ],
        widths=[40, 18],
    )
    summary.append([])
    _table(
        summary,
        ["محل ارائه خدمت", "تعداد خدمات", "سهم (٪)"],
        [
            [annex3.H_IN_PERSON, channels["in_person"], _v(channels["in_person_share"])],
            [annex3.H_ELECTRONIC, channels["electronic"], _v(channels["electronic_share"])],
            [annex3.H_HYBRID, channels["hybrid"], _v(channels["hybrid_share"])],
            [annex3.H_OUTSIDE, channels["outside"], _v(channels["outside_share"])],
        ],
        total=["جمع", channels["total"], 100 if channels["total"] else ""],
        widths=[40, 18, 12],
    )

    sheet = _sheet(workbook, "شاخص رضایت")
    _title(sheet, "شاخص‌های رضایت ارباب رجوع (۰ تا ۱۰۰)", 4)
    _table(
        sheet,
        ["محور (جدول ۵)", "شاخص", "تعداد پاسخ"],
        [[a["title"], _v(a["index"]), a["count"]] for a in satisfaction["axes"]],
        total=["شاخص کلی", _v(satisfaction["overall"]), satisfaction["answers"]],
        widths=[40, 12, 14],
    )
    sheet.append([])
    _table(
        sheet,
        ["محور (پیوست ۲ بخش ۶)", "شاخص", "تعداد پاسخ"],
        [[a["title"], _v(a["index"]), a["count"]] for a in satisfaction["audit_axes"]],
    )
    sheet.append([])
    _table(sheet, ["پرسش", "شاخص"], [[q["number"], _v(q["index"])] for q in satisfaction["questions"]])

    sheet = _sheet(workbook, "تأخیر")
    _title(sheet, "تأخیر مراحل گردش کار", 6)
    late_headers = [
        "انجام‌شده در دوره",
        "با تأخیر",
        "نرخ تأخیر (٪)",
        "میانگین تأخیر (ساعت)",
        "باز و معوق در پایان دوره",
    ]
    _table(
        sheet,
        ["مرحله", *late_headers],
        [
            [
                r["title"],
                r["finished"],
                r["late"],
                _v(r["late_rate"]),
                _v(r["avg_late_hours"]),
                r["open_overdue"],
            ]
            for r in stages["by_title"]
        ],
        widths=[40, 14, 12, 12, 16, 18],
    )
    sheet.append([])
    _table(
        sheet,
        ["واحد", "دستگاه", *late_headers],
        [
            [
                r["name"],
                r["body"],
                r["finished"],
                r["late"],
                _v(r["late_rate"]),
                _v(r["avg_late_hours"]),
                r["open_overdue"],
            ]
            for r in stages["by_unit"]
        ],
    )

    if figures.get("cases"):
        _cases_sheet(workbook, figures["cases"])

    sheet = _sheet(workbook, "رتبه‌بندی")
    ranking = figures["ranking"]
    _title(sheet, "رتبه‌بندی واحدها و دستگاه‌ها", 9)
    sheet.append(["فرمول"])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    sheet.append([ranking["formula"]["text"]])
    for term in ranking["formula"]["terms"]:
        sheet.append([f"{term['label']}: {term['definition']}"])
    sheet.append([ranking["formula"]["rules"]])
    sheet.append([])
    rank_headers = [
        "رتبه",
        "نام",
        "دستگاه",
        "امتیاز",
        "نرخ پاسخ به‌موقع",
        "شاخص رضایت",
        "امتیاز کارکنان",
        "سهم الکترونیکی",
        "امتیاز ممیزی",
        "رسیدگی به‌موقع موارد",
        "رضایت از رسیدگی به موارد",
        "پاسخ‌داده‌شده",
        "موارد سررسید",
    ]

    def rank_row(r):
        return [
            r["rank"],
            r["name"],
            r["body"],
            r["score"],
            _v(r["on_time_rate"]),
            _v(r["satisfaction"]),
            _v(r["staff_rating"]),
            _v(r["electronic_share"]),
            _v(r.get("audit")),
            _v(r.get("case_on_time")),
            _v(r.get("case_rating")),
            r["answered"],
            r.get("cases_due", 0),
        ]

    sheet.append(["واحدها"])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    _table(
        sheet,
        rank_headers,
        [rank_row(r) for r in ranking["units"]],
        widths=[8, 36, 30, 10, 14, 12, 14, 14, 12, 16, 16, 14, 14],
    )
    sheet.append([])
    sheet.append(["دستگاه‌ها"])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    _table(sheet, rank_headers, [rank_row(r) for r in ranking["bodies"]])

    if figures.get("provinces"):
        sheet = _sheet(workbook, "استان‌ها")
        _title(sheet, "مقایسه استان‌ها", 7)
        _table(
            sheet,
            [
                "استان",
                "دریافت‌شده",
                "پاسخ‌داده‌شده",
                "تحویل‌شده",
                "نرخ پاسخ به‌موقع",
                "شاخص رضایت",
                "امتیاز کارکنان",
                "موارد ثبت‌شده",
                "رسیدگی به‌موقع موارد",
            ],
            [
                [
                    p["name"],
                    p["received"],
                    p["answered"],
                    p["delivered"],
                    _v(p["on_time_rate"]),
                    _v(p["satisfaction"]),
                    _v(p["staff_rating"]),
                    p.get("cases", ""),
                    _v(p.get("case_on_time_rate")),
                ]
                for p in figures["provinces"]
            ],
            widths=[24, 14, 14, 14, 16, 14, 14, 14, 16],
        )
    if figures.get("audit"):
        _audit_sheet(workbook, figures["audit"])
    return _save(workbook)


# The annex 2 §1 letters of the channel counts, in the order of the annex.
_ANNEX_CHANNELS = (
    ("b", "in_person", annex3.H_IN_PERSON),
    ("c", "electronic", annex3.H_ELECTRONIC),
    ("d", "hybrid", annex3.H_HYBRID),
    ("e", "outside", annex3.H_OUTSIDE),
)


def _audit_sheet(workbook: Workbook, audit: dict) -> None:
    sheet = _sheet(workbook, "ممیزی")
    _title(sheet, "نتایج ممیزی استقرار میز خدمت", 3)
    _table(
        sheet,
        ["شاخص", "مقدار"],
        [
            ["دوره‌های ممیزی", "، ".join(audit["rounds"])],
            ["فرم‌ها", audit["forms"]],
            ["فرم‌های صحه‌گذاری‌شده", audit["verified"]],
            *(
                [[f"{annex3.H_TOTAL} (a)", audit["channels"]["total"]]]
                + [[f"{label} ({letter})", audit["channels"][key]] for letter, key, label in _ANNEX_CHANNELS]
                if audit.get("channels")
                else []
            ),
            [annex3.H_RATIO_IN_PERSON, _v(audit["ratio_in_person"])],
            [annex3.H_RATIO_ELECTRONIC, _v(audit["ratio_electronic"])],
            [annex3.H_FALSE, audit["false_channel"]],
            *[[s["label"], s["score"]] for s in audit["space"]],
            ["امتیاز کلی بخش ۲ (۰ تا ۱۰۰)", _v(audit["space_score"])],
        ],
        widths=[50, 18],
    )


# --- annex 3 -----------------------------------------------------------------------------------------


def _annex_head(sheet: Worksheet, *, first_headers: list[str], extra: list[str]) -> None:
    """The two header rows of annex 3: the channel columns grouped under «تعداد خدمات ارائه شده در»."""
    channels = [annex3.H_IN_PERSON, annex3.H_ELECTRONIC, annex3.H_HYBRID, annex3.H_OUTSIDE]
    sheet.append([*first_headers, annex3.H_DELIVERED_IN, None, None, None, *extra])
    top = sheet.max_row
    sheet.append([*([None] * len(first_headers)), *channels, *([None] * len(extra))])
    n_first = len(first_headers)
    for column in range(1, n_first + 1):
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    sheet.merge_cells(start_row=top, start_column=n_first + 1, end_row=top, end_column=n_first + 4)
    for offset in range(len(extra)):
        column = n_first + 5 + offset
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    for row in (top, top + 1):
        for column in range(1, n_first + 5 + len(extra)):
            cell = sheet.cell(row=row, column=column)
            cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEAD_FILL, _BOX, _WRAP
        sheet.row_dimensions[row].height = 48


def _box_rows(sheet: Worksheet, rows: list[list], *, total: list) -> None:
    for row in [*rows, total]:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.border = _BOX
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = _BOLD, _TOTAL_FILL


def _counts(row: dict) -> list:
    if not row.get("verified", True):
        # No verified form: no figure, and a word where the counts would be (annex3's rule).
        return [f"فرم صحه‌گذاری‌شده ندارد (فهرست خدمات: {row['catalog_total']})", None, None, None, None]
    return [row["total"], row["in_person"], row["electronic"], row["hybrid"], row["outside"]]


def table2_xlsx(table: dict, *, workbook: Workbook | None = None) -> bytes | None:
    """Annex 3 table 2 as a sheet (a new workbook unless one is given, then None is returned)."""
    own = workbook is None
    workbook = workbook or Workbook()
    sheet = _sheet(workbook, "جدول ۲ پیوست ۳", first=own)
    _title(sheet, table["title"], 7)
    _facts(sheet, [("دوره", period_label(table["period"], persian=True))])
    sheet.append([])
    _annex_head(sheet, first_headers=["ردیف", annex3.H_BODY, annex3.H_PARENT, annex3.H_TOTAL], extra=[])
    rows = [[n, r["name"], r["parent"], *_counts(r)] for n, r in enumerate(table["rows"], start=1)]
    _box_rows(sheet, rows, total=["", "مجموع", "", *_counts(table["totals"])])
    for column, width in enumerate([7, 40, 34, 14, 14, 14, 16, 22], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return _save(workbook) if own else None


def table1_xlsx(table: dict, *, workbook: Workbook | None = None) -> bytes | None:
    """Annex 3 table 1 of a province as a sheet, with the evaluator's columns."""
    own = workbook is None
    workbook = workbook or Workbook()
    sheet = _sheet(workbook, "جدول ۱ پیوست ۳", first=own)
    _title(sheet, table["title"], 14)
    _facts(
        sheet,
        [
            ("استان", table["province"]["name"]),
            ("دوره", period_label(table["period"], persian=True)),
            (annex3.H_FORMS, table["forms_verified"]),
        ],
    )
    sheet.append([])
    extra = [
        annex3.H_RATIO_IN_PERSON,
        annex3.H_RATIO_ELECTRONIC,
        annex3.H_FALSE,
        *(f"{annex3.H_SPACE}: {label}" for label in annex3.SPACE_ITEMS.values()),
        annex3.H_FORMS,
    ]
    _annex_head(sheet, first_headers=["ردیف", annex3.H_BODY, annex3.H_PARENT, annex3.H_TOTAL], extra=extra)
    rows = []
    for n, r in enumerate(table["rows"], start=1):
        e = r["evaluation"]
        rows.append(
            [
                n,
                r["name"],
                r["parent"],
                *_counts(r),
                _v(e["ratio_in_person"]),
                _v(e["ratio_electronic"]),
                e["false_channel"],
                *(_v(e["space"].get(str(item))) for item in annex3.SPACE_ITEMS),
                e["forms"],
            ]
        )
    totals = table["totals"]
    _box_rows(
        sheet,
        rows,
        total=[
            "",
            "مجموع",
            "",
            *_counts(totals),
            "",
            "",
            sum(r["evaluation"]["false_channel"] for r in table["rows"]),
            "",
            "",
            "",
            "",
            table["forms_verified"],
        ],
    )
    for column, width in enumerate([7, 36, 30, 12, 12, 12, 14, 18, 16, 18, 14, 14, 14, 14, 14, 12], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return _save(workbook) if own else None


def audit_report_xlsx(figures: dict) -> bytes:
    """A bimonthly audit summary: its annex 3 table and the pooled audit figures."""
    workbook = Workbook()
    if figures.get("table1"):
        table1_xlsx(figures["table1"], workbook=workbook)
    else:
        table2_xlsx(figures["table2"], workbook=workbook)
    if figures.get("audit"):
        _audit_sheet(workbook, figures["audit"])
    return _save(workbook)
