"""The overall audit score of a form (0–100) and its formula, printed on the form and the reports.

Each section of annex 2 gives one 0–100 figure; the score is their weighted mean. A section without
data (no in-person service for §4, no questionnaire for §6, …) is left out and the other weights
scaled up to 100 %, the rule of the national ranking. The score of a verified form is frozen with
its verified version (AuditFormVersion), and that frozen figure feeds the ranking.
"""

import math
from dataclasses import dataclass

from apps.catalog.models import Channel
from apps.core.text import to_persian_digits


@dataclass(frozen=True)
class Section:
    key: str
    weight: int  # percent
    label: str  # Persian, as printed
    definition: str


AUDIT_SCORE_FORMULA: tuple[Section, ...] = (
    Section(
        "s1",
        20,
        "بخش ۱: محل ارائه خدمات",
        "درصد خدمات الکترونیکی یا تلفیقی (c + d) از همه خدمات (a)، بی‌آن‌که ارزیاب مجرای اعلام‌شده را خلاف واقع یافته باشد",
    ),
    Section(
        "s2",
        15,
        "بخش ۲: فضا و کارکنان میز خدمت",
        "میانگین ارزیابی ارزیاب از چهار مورد (عالی ۱۰۰، خوب ۷۵، متوسط ۵۰، ضعیف ۲۵، وجود ندارد ۰)",
    ),
    Section(
        "s3",
        15,
        "بخش ۳: اطلاع‌رسانی خدمات",
        "درصد موارد منتشرشده از هشت مورد اطلاع‌رسانی (مراحل، مدارک، قوانین، مدت، هزینه، شکایت، مسئول، پرسش‌های متداول) در همه خدمات",
    ),
    Section(
        "s4",
        15,
        "بخش ۴: میز خدمت حضوری",
        "میانگین خدمات حضوری و تلفیقی از سه نشانه: رسید با زمان تحویل (۱۰۰ یا ۰)، درصد مدارک دریافتی هنگام درخواست، ارائه فرم رضایت (۱۰۰ یا ۰)",
    ),
    Section(
        "s5",
        15,
        "بخش ۵: میز خدمت الکترونیکی",
        "درصد امکانات دارای از هفت امکان (بارگذاری مدارک، فرم الکترونیکی، تحویل الکترونیکی، کد رهگیری، پیگیری مراحل، پیامک، نظرسنجی) در خدمات الکترونیکی و تلفیقی",
    ),
    Section("s6", 20, "بخش ۶: رضایت ارباب رجوع", "شاخص کلی پرسشنامه‌های رضایت دوره (۰ تا ۱۰۰)"),
)
AUDIT_SCORE_RULES = (
    "بخشی که داده‌ای ندارد کنار گذاشته می‌شود و وزن بقیه به نسبت تا ۱۰۰٪ بالا برده می‌شود. "
    "امتیاز هر فرم هنگام تأیید ارزیاب ثبت می‌شود و همان امتیاز در گزارش‌ها به کار می‌رود."
)
SECTION_KEYS = tuple(s.key for s in AUDIT_SCORE_FORMULA)


def audit_score_formula() -> dict:
    """The formula as printed: one line, each section's definition and the rules."""
    line = " + ".join(f"{to_persian_digits(str(s.weight))}٪ × {s.label}" for s in AUDIT_SCORE_FORMULA)
    return {
        "text": f"امتیاز ممیزی = {line}",
        "terms": [{"label": s.label, "definition": s.definition} for s in AUDIT_SCORE_FORMULA],
        "rules": AUDIT_SCORE_RULES,
    }


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def section_scores(form) -> dict[str, float | None]:
    """The six section figures of a form (reads form.rows.all() and form.space_items.all(), so a
    prefetch serves them), each rounded to one decimal."""
    from apps.audits.models import AuditServiceRow

    rows = list(form.rows.all())
    a = len(rows)
    electronic = sum(
        1 for r in rows if r.channel in (Channel.ELECTRONIC, Channel.HYBRID) and not r.channel_false
    )
    published = sum(getattr(r, name) for r in rows for name in AuditServiceRow.PUBLISHED_FIELDS)
    desk = []
    for r in rows:
        if r.at_in_person_desk:
            signs = [100.0 * r.receipt_with_time, 100.0 * r.survey_given]
            if r.docs_at_request_pct is not None:
                signs.append(float(r.docs_at_request_pct))
            desk.append(_mean(signs))
    edesk = [r for r in rows if r.at_electronic_desk]
    flags = sum(getattr(r, name) for r in edesk for name in AuditServiceRow.E_FLAGS)
    overall = (form.satisfaction or {}).get("overall")
    return {
        "s1": _r1(100 * electronic / a) if a else None,
        "s2": _r1(form.space_score),
        "s3": _r1(100 * published / (len(AuditServiceRow.PUBLISHED_FIELDS) * a)) if a else None,
        "s4": _r1(_mean(desk)),
        "s5": _r1(100 * flags / (len(AuditServiceRow.E_FLAGS) * len(edesk))) if edesk else None,
        "s6": _r1(overall),
    }


def overall_score(sections: dict[str, float | None]) -> float | None:
    """The weighted mean of the sections that have data (0–100, one decimal); None when none has."""
    present = [(s.weight, sections[s.key]) for s in AUDIT_SCORE_FORMULA if sections.get(s.key) is not None]
    total = sum(weight for weight, _value in present)
    if not total:
        return None
    return round(math.fsum(weight * value for weight, value in present) / total, 1)


def comparison(current: dict, previous: dict | None) -> list[dict]:
    """Rows of (section, this round, previous round, change) for the form page."""
    previous = previous or {}
    rows = []
    for s in AUDIT_SCORE_FORMULA:
        now, before = current.get(s.key), previous.get(s.key)
        delta = None if now is None or before is None else round(now - before, 1)
        rows.append(
            {"key": s.key, "label": s.label, "weight": s.weight, "now": now, "before": before, "delta": delta}
        )
    return rows
