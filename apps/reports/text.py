"""Words of the printed reports: period names and report titles in Persian (PDF and Excel are
always Persian), and in the page language for the screen."""

from apps.core.jalali import Period

KIND_TITLES_FA = {
    "quarterly_body": "گزارش سه‌ماهه عملکرد میز خدمت دستگاه",
    "quarterly_county": "گزارش سه‌ماهه عملکرد میزهای خدمت شهرستان",
    "quarterly_province": "گزارش سه‌ماهه عملکرد میزهای خدمت استان",
    "bimonthly_audit": "گزارش دوماهه نتایج ارزیابی استقرار میز خدمت (پیوست ۳)",
    "halfyear_national": "گزارش شش‌ماهه ملی عملکرد میزهای خدمت",
}


def period_label(period: Period | str, *, persian: bool | None = None) -> str:
    """«سه‌ماهه دوم ۱۴۰۵» / "Q2 1405": Period.label of a period or of its code."""
    period = Period.parse(period) if isinstance(period, str) else period
    return period.label(persian=persian)
