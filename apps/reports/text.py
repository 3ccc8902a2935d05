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


# Persian names of the case figures' rows, frozen into the report's JSON (PDF and Excel print them as
# stored; apps.cases.models holds the same choices with English source strings for the screens).
CASE_TYPES_FA = {
    "request": "درخواست",
    "complaint": "شکایت",
    "report": "گزارش مردمی",
    "consultation": "مشاوره و راهنمایی",
    "feelings": "ابراز احساسات",
    "idea": "ایده و پیشنهاد",
    "thanks": "تقدیر و تشکر",
}
CASE_LEVELS_FA = {
    "county": "شهرستان (میز فرمانداری)",
    "province": "استان (میز دستگاه استانی)",
    "body": "دستگاه (وزارتخانه یا سازمان ملی)",
    "national": "ملی (مرکز)",
}
CASE_CHANNELS_FA = {"desk": "حضوری در میز", "phone": "تلفنی", "online": "برخط (اینترنتی)"}
REFERRAL_KINDS_FA = {
    "unit": "به واحد دیگر همان دستگاه",
    "body": "به دستگاه صالح",
    "upward": "به سطح بالاتر (وزارتخانه)",
    "duties": "خارج از وظایف، به دستگاه صالح",
    "hierarchy": "سلسله‌مراتب شکایت",
    "objection": "اعتراض، یک سطح بالاتر",
}
CASE_OUTCOMES_FA = {
    "resolved": "حل‌شده",
    "rejected": "رد با ذکر دلیل",
    "outside": "ارجاع به خارج از سامانه",
    "answered": "پاسخ یا راهنمایی داده شد",
    None: "هنوز باز",
}
POST_KINDS_FA = {
    "county_head": "رئیس اداره شهرستان",
    "county_desk": "مسئول میز ارتباطات مردمی شهرستان",
    "prov_director": "مدیرکل استانی",
    "county_gov": "فرماندار",
    "province_gov": "استاندار",
    "hq_deputy": "معاون یا مدیر وزارتخانه یا سازمان ملی",
    "head": "وزیر یا رئیس سازمان ملی",
    "": "سایر کارکنان",
    None: "بدون نام مقام مشخص",
}
