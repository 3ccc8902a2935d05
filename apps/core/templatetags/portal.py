"""Template filters that apply Jalali dates, Persian digits and masking at display time."""

from django import template

from apps.core import jalali, validators
from apps.core.jalali import _localize_digits

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
