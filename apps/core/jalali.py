"""Jalali calendar at the edges: display, input parsing and report periods.

Models keep Gregorian dates and UTC datetimes; only what a person reads or types is Jalali.
"""

import datetime as dt
import re
from dataclasses import dataclass

import jdatetime
from django.utils import timezone
from django.utils.translation import get_language

from apps.core.text import normalize_digits, to_persian_digits

_DATE_INPUT = re.compile(r"^\s*(\d{2}|\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$", re.ASCII)
# jdatetime accepts any year; outside this window the input is a typo or a Gregorian date typed
# into a Jalali field (2026/11/22 would otherwise be stored as 2647-02-11).
_JALALI_YEARS = range(1200, 1600)


def _localize_digits(text: str, persian: bool | None) -> str:
    if persian is None:
        persian = (get_language() or "fa").startswith("fa")
    return to_persian_digits(text) if persian else text


def to_jalali(value: dt.date) -> jdatetime.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return jdatetime.date.fromgregorian(date=value)


def format_date(value: dt.date | None, *, persian_digits: bool | None = None) -> str:
    """۱۴۰۵/۰۹/۰۱ (digits follow the active language unless told)."""
    # A missing template variable arrives as "" (string_if_invalid), not None.
    if not value:
        return ""
    return _localize_digits(to_jalali(value).strftime("%Y/%m/%d"), persian_digits)


def format_datetime(value: dt.datetime | None, *, persian_digits: bool | None = None) -> str:
    """۱۴۰۵/۰۹/۰۱ ۰۹:۳۰ in Tehran time."""
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        return format_date(value, persian_digits=persian_digits)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    text = f"{to_jalali(local.date()).strftime('%Y/%m/%d')} {local:%H:%M}"
    return _localize_digits(text, persian_digits)


def parse_date(text: str) -> dt.date:
    """A Jalali date typed as 1405/09/01 (any digits, / - or . between) to a Gregorian date.
    Raises ValueError when it is not a real Jalali date."""
    match = _DATE_INPUT.match(normalize_digits(text or ""))
    if not match:
        raise ValueError("not a Jalali date")
    year, month, day = (int(g) for g in match.groups())
    if year < 100:
        year += 1400 if year < 50 else 1300
    if year not in _JALALI_YEARS:
        raise ValueError("not a Jalali year")
    return jdatetime.date(year, month, day).togregorian()


def jalali_to_gregorian(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def tehran_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The days first…last (both inclusive) as aware datetimes [00:00 of first, 00:00 after last) in
    the project's zone, Asia/Tehran: the one way every period becomes a database filter."""
    zone = timezone.get_default_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min), zone),
        timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), zone),
    )


def weekday_name(value: dt.date) -> str:
    return to_jalali(value).strftime("%A")


@dataclass(frozen=True)
class Period:
    """A Jalali reporting period: a quarter (Q1–Q4), a bimonth (B1–B6) or a half (H1–H2)."""

    year: int
    kind: str  # "Q", "B" or "H"
    number: int

    MONTHS = {"Q": 3, "B": 2, "H": 6}

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = re.fullmatch(r"(\d{4})-([QBH])(\d)", normalize_digits(text or "").strip().upper(), re.ASCII)
        if not match:
            raise ValueError("A period is written like 1405-Q2, 1405-B3 or 1405-H1.")
        year, kind, number = int(match[1]), match[2], int(match[3])
        if not 1 <= number <= 12 // cls.MONTHS[kind]:
            raise ValueError("No such period in a year.")
        return cls(year, kind, number)

    @property
    def first_month(self) -> int:
        return (self.number - 1) * self.MONTHS[self.kind] + 1

    @property
    def start(self) -> dt.date:
        return jalali_to_gregorian(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        last_month = self.first_month + self.MONTHS[self.kind] - 1
        if last_month == 12:
            return jalali_to_gregorian(self.year + 1, 1, 1) - dt.timedelta(days=1)
        return jalali_to_gregorian(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[00:00 Tehran of the first day, 00:00 Tehran of the day after the last)."""
        return tehran_bounds(self.start, self.end)

    def __str__(self) -> str:
        return f"{self.year}-{self.kind}{self.number}"

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> "Period":
        j = to_jalali(day)
        return cls(j.year, kind, (j.month - 1) // cls.MONTHS[kind] + 1)
