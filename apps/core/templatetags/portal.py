"""Template filters that apply Jalali dates, Persian digits and masking at display time."""

from django import template
from django.utils.translation import get_language

from apps.core import jalali, validators
from apps.core.jalali import _localize_digits
from apps.core.text import to_persian_digits

register = template.Library()


@register.filter
def jdate(value):
    """{{ request.received_at|jdate }} → ۱۴۰۵/۰۹/۰۱"""
    return jalali.format_date(value)


@register.filter
def jdatetime(value):
    """{{ stage.due_at|jdatetime }} → ۱۴۰۵/۰۹/۰۱ ۰۹:۳۰"""
    return jalali.format_datetime(value)


@register.filter
def digits(value):
    """Persian digits when the page is Persian: {{ count|digits }}."""
    if value is None:
        return ""
    return _localize_digits(str(value), None)


@register.filter
def mask_nc(value):
    return digits(validators.mask_national_code(value or ""))


@register.filter
def mask_mobile(value):
    return digits(validators.mask_mobile(value or ""))


@register.filter
def rials(value):
    """{{ fee.amount_rials|rials }} → ۵۰۰٬۰۰۰ (thousands grouped; digits and separator of the page language)."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return value
    grouped = f"{amount:,}"
    if (get_language() or "fa").startswith("fa"):
        # U+066C is the Persian thousands separator; a Latin comma reads as a list separator there.
        return to_persian_digits(grouped.replace(",", "\u066c"))
    return grouped


@register.filter
def tracking(value):
    """A tracking code grouped for reading aloud: 123-4567-8901."""
    from apps.desk.tracking import tracking_code_display

    return tracking_code_display(value or "")


@register.filter
def back_here(request) -> str:
    """The current page as a `next` target (language switch, login): the full path when it is of a
    sane length, else the path alone, so a page never echoes a huge query string back."""
    full = request.get_full_path()
    return full if len(full) <= 1000 else request.path
