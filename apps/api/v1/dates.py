"""Dates the API accepts: ISO 8601 (a day or a moment with its offset) or a Jalali day, in any digits.

Integrating systems in Iran keep Jalali dates (1405-09-15, ۱۴۰۵/۰۹/۱۵) as often as ISO ones, so
every date parameter and field of /api/v1/ takes both, through the one form field below; the
answers are always ISO with the offset. A day stands for the whole day in Tehran: `…_after` starts
at its first moment, `…_before` ends after its last.
"""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core import jalali
from apps.core.text import normalize_text

# Long enough for "2026-12-06T10:00:00.123456+03:30" with spaces around; anything longer is not a date.
MAX_LENGTH = 40
GREGORIAN_YEARS = range(1900, 2200)
HELP = _("ISO 8601 (2026-12-06 or 2026-12-06T10:00:00+03:30) or a Jalali date (1405-09-15, any digits).")


# The offsets the world's clocks use (UTC−12 to UTC+14); PostgreSQL refuses others outright.
MAX_OFFSET = dt.timedelta(hours=14)


def utc_moment(value: dt.datetime) -> dt.datetime:
    """An aware moment as UTC; ValueError for an offset no clock has (e.g. −20:58)."""
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        raise ValueError("not a time zone offset")
    return value.astimezone(dt.UTC)


def moment_parse(text: str) -> dt.date | dt.datetime:
    """A day (`datetime.date`) or an aware moment from ISO or Jalali text; ValueError otherwise."""
    text = normalize_text(str(text or "")).strip()
    if not text or len(text) > MAX_LENGTH:
        raise ValueError("empty or too long")
    head = text[:4]
    if head.isascii() and head.isdigit() and int(head) in jalali._JALALI_YEARS:
        return jalali.parse_date(text)
    if len(text) <= 10:
        value = dt.date.fromisoformat(text)
    else:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        value = utc_moment(value)
    # A year far from ours is a typo, and the day after 9999-12-31 does not exist.
    if value.year not in GREGORIAN_YEARS:
        raise ValueError("not a year of ours")
    return value


def day_of(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def lower_bound(value: dt.date | dt.datetime) -> dt.datetime:
    """The first moment `value` stands for."""
    if isinstance(value, dt.datetime):
        return value
    return jalali.tehran_bounds(value, value)[0]


def upper_bound(value: dt.date | dt.datetime) -> dt.datetime:
    """The moment just after what `value` stands for (a whole day ends at the next midnight)."""
    if isinstance(value, dt.datetime):
        return value
    return jalali.tehran_bounds(value, value)[1]


class MomentFormField(forms.Field):
    """The one parser of API dates, as a form field (django-filter's filters use it)."""

    default_error_messages = {"invalid": HELP}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return moment_parse(value)
        except (ValueError, OverflowError, TypeError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class MomentFilter(django_filters.Filter):
    """`bound="after"`: on or after the day / moment; `bound="before"`: on or before the day, before the moment."""

    field_class = MomentFormField

    def __init__(self, *args, bound: str, **kwargs):
        kwargs.setdefault("help_text", HELP)
        super().__init__(*args, **kwargs)
        self.bound = bound

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if self.bound == "after":
            return qs.filter(**{f"{self.field_name}__gte": lower_bound(value)})
        return qs.filter(**{f"{self.field_name}__lt": upper_bound(value)})


@extend_schema_field({"type": "string", "example": "1405-09-15", "description": str(HELP)})
class MomentField(serializers.Field):
    """A date or moment in a request body; `as_day=True` gives a `date`, otherwise an aware datetime
    (a day alone is its first moment in Tehran)."""

    default_error_messages = {"invalid": HELP}

    def __init__(self, *, as_day: bool = False, **kwargs):
        self.as_day = as_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            value = MomentFormField().clean(data)
        except ValidationError:
            self.fail("invalid")
        if value is None:
            self.fail("invalid")
        return day_of(value) if self.as_day else lower_bound(value)

    def to_representation(self, value):
        return serializers.DateTimeField().to_representation(value)

