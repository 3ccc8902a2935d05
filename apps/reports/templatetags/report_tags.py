"""Template helpers of the report pages and PDFs: bars, one-decimal figures, period names."""

from django import template
from django.utils.html import format_html

from apps.core.jalali import Period
from apps.reports import charts
from apps.reports.text import period_label as _period_label

register = template.Library()


@register.simple_tag
def hbar(value, maximum=100, color=charts.PALETTE[0], label=""):
    """{% hbar row.on_time_rate %} — a horizontal bar of a 0–100 figure."""
    return charts.hbar(value, maximum, color=color, label=label)


@register.simple_tag
def channel_stack(channels, label=""):
    """{% channel_stack figures.channels %} — the four channels of the catalog as one stacked bar."""
    return charts.stacked([(s["color"], s["count"]) for s in charts.channel_segments(channels)], label=label)


@register.simple_tag
def swatch(color):
    return charts.swatch(color)


@register.filter
def channel_segments(channels):
    return charts.channel_segments(channels)


@register.filter
def num1(value):
    """12.5 → ۱۲٫۵ on Persian pages (12.0 → ۱۲); None → —."""
    if value is None or value == "":
        return "—"
    from apps.core.templatetags.portal import digits

    text = f"{float(value):.1f}".removesuffix(".0")
    localized = digits(text)
    return localized.replace(".", "٫") if localized != text else text


@register.filter
def period_label(value, persian=None):
    """{{ report.period|period_label }} — «سه‌ماهه دوم ۱۴۰۵» in the page language (`:True` for Persian
    whatever the language: PDFs). Every page and printout names a period through this filter."""
    try:
        return _period_label(Period.parse(str(value)), persian=persian)
    except ValueError:
        return value


@register.filter
def period_code(value):
    """{{ report.period|period_code }} — the code itself ("1405-B3"), isolated left to right so that
    right-to-left text around it never shows it as "B3-1405"."""
    return format_html('<bdi dir="ltr" class="rp-code">{}</bdi>', value)


@register.filter
def get(mapping, key):
    """{{ evaluation.space|get:item }} for string keys of frozen JSON."""
    if not mapping:
        return None
    return mapping.get(str(key))


@register.filter
def jdate_iso(value):
    """{{ figures.start|jdate_iso }}: an ISO date kept in the frozen JSON, shown as a Jalali date."""
    import datetime as dt

    from apps.core.jalali import format_date

    try:
        return format_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return value


@register.filter
def kind_title_fa(kind):
    """The Persian title printed on a report of that kind."""
    from apps.reports.text import KIND_TITLES_FA

    return KIND_TITLES_FA.get(kind, "گزارش دوره‌ای")


@register.filter
def rating_label(points):
    """75 → «خوب»: the annex's word for a §2 mean that is exactly one of the five levels."""
    from apps.reports.annex3 import rating_label as label

    return label(points)
