"""Words of the printed reports: period names and report titles in Persian (PDF and Excel are
always Persian), and in the page language for the screen."""

import jdatetime
from django.utils.translation import get_language

from apps.core.jalali import Period
from apps.core.text import to_persian_digits

ORDINALS_FA = {1: "اول", 2: "دوم", 3: "سوم", 4: "چهارم", 5: "پنجم", 6: "ششم"}
PERIOD_WORD_FA = {"Q": "فصل", "B": "دوماهه", "H": "شش‌ماهه"}
PERIOD_WORD_EN = {"Q": "Quarter", "B": "Bimonth", "H": "Half"}

KIND_TITLES_FA = {
    "quarterly_body": "گزارش سه‌ماهه عملکرد میز خدمت دستگاه",
    "quarterly_county": "گزارش سه‌ماهه عملکرد میزهای خدمت شهرستان",
    "quarterly_province": "گزارش سه‌ماهه عملکرد میزهای خدمت استان",
    "bimonthly_audit": "گزارش دوماهه نتایج ارزیابی استقرار میز خدمت (پیوست ۳)",
    "halfyear_national": "گزارش شش‌ماهه ملی عملکرد میزهای خدمت",
}


def _months(period: Period, persian: bool) -> str:
    names = jdatetime.date.j_months_fa if persian else jdatetime.date.j_months_en
    first = period.first_month
    last = first + Period.MONTHS[period.kind] - 1
    joiner = " تا " if persian else "–"
    if last == first + 1 and persian:
        joiner = " و "
    return f"{names[first - 1]}{joiner}{names[last - 1]}"


def period_label(period: Period | str, *, persian: bool | None = None) -> str:
    """«فصل دوم ۱۴۰۵ (تیر تا شهریور)» / "Quarter 2 of 1405 (Tir–Shahrivar)"."""
    period = Period.parse(period) if isinstance(period, str) else period
    if persian is None:
        persian = (get_language() or "fa").startswith("fa")
    if persian:
        text = f"{PERIOD_WORD_FA[period.kind]} {ORDINALS_FA[period.number]} {period.year} ({_months(period, True)})"
        return to_persian_digits(text)
    return f"{PERIOD_WORD_EN[period.kind]} {period.number} of {period.year} ({_months(period, False)})"
