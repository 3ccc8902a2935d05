"""Jalali calendar at the edges: display, input parsing and report periods.

Models keep Gregorian dates and UTC datetimes; only what a person reads or types is Jalali.
"""

import datetime as dt
import re
from dataclasses import dataclass

import jdatetime
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy

from apps.core.text import ZWNJ, normalize_digits, normalize_text, to_persian_digits

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


# A period code may be typed either way round ("1405-B3" or "B3-1405": a code copied from right-to-left
# text comes out reversed), with any separator or none, and with the kind as a Persian letter: the
# letter that sounds like it (ب for B), the first letter of its Persian name (فصل, دوماهه, شش‌ماهه,
# سال) or the key a Persian keyboard types where the Latin letter is (ض for Q, ذ for B, ا for H).
_PERIOD_LETTERS = str.maketrans(
    {"ق": "Q", "ف": "Q", "ض": "Q", "ب": "B", "د": "B", "ذ": "B", "ه": "H", "ش": "H", "ا": "H", "س": "Y"}
)
_PERIOD_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_/.:]+")
_PERIOD_YEAR_FIRST = re.compile(r"(\d{4})([QBHY])(\d?)", re.ASCII)
_PERIOD_KIND_FIRST = re.compile(r"([QBHY])(\d?)(\d{4})", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_LABEL_NOISE = re.compile(r"[\s\-\u2010-\u2015\u2212" + ZWNJ + r"()]+")

# How each period is named on screen and on paper: "سه‌ماهه دوم ۱۴۰۵", "Q2 1405". Bimonths are
# named by their months ("آذر–دی ۱۴۰۵", "Azar–Dey 1405"), as the audit rounds always were.
_PERIOD_NAMES = {
    ("Q", 1): gettext_lazy("Q1 %(year)s"),
    ("Q", 2): gettext_lazy("Q2 %(year)s"),
    ("Q", 3): gettext_lazy("Q3 %(year)s"),
    ("Q", 4): gettext_lazy("Q4 %(year)s"),
    ("H", 1): gettext_lazy("H1 %(year)s"),
    ("H", 2): gettext_lazy("H2 %(year)s"),
    ("Y", 1): gettext_lazy("Year %(year)s"),
}


@dataclass(frozen=True)
class Period:
    """A Jalali reporting period: a quarter (Q1–Q4), a bimonth (B1–B6), a half (H1–H2) or a year (Y).

    Its code ("1405-B3") names it in URLs, file names and stored reports; people read its label
    ("آذر–دی ۱۴۰۵") and may type either."""

    year: int
    kind: str  # "Q", "B", "H" or "Y"
    number: int

    MONTHS = {"Q": 3, "B": 2, "H": 6, "Y": 12}
    KINDS = ("Q", "B", "H", "Y")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """A period from its code, either way round and in any digits ("1405-B3", "B3-1405",
        "ب۳-۱۴۰۵", "1405-Y"), or from its label in Persian or English ("آذر–دی ۱۴۰۵", "Q2 1405").
        Raises ValueError for anything else or a period that does not exist."""
        plain = normalize_text(str(text or "")).strip()
        compact = _PERIOD_SEPARATORS.sub("", plain.translate(_PERIOD_LETTERS).upper())
        if match := _PERIOD_YEAR_FIRST.fullmatch(compact):
            year, kind, number = match[1], match[2], match[3]
        elif match := _PERIOD_KIND_FIRST.fullmatch(compact):
            kind, number, year = match[1], match[2], match[3]
        else:
            return cls._from_label(plain)
        if not number:
            if kind != "Y":
                raise ValueError("A period is written like 1405-Q2, 1405-B3, 1405-H1 or 1405-Y.")
            number = "1"
        year, number = int(year), int(number)
        if not 1 <= number <= 12 // cls.MONTHS[kind]:
            raise ValueError("No such period in a year.")
        return cls(year, kind, number)

    @classmethod
    def _from_label(cls, text: str) -> "Period":
        years = _YEAR.findall(text)
        if len(years) != 1:
            raise ValueError("A period is written like 1405-Q2, 1405-B3, 1405-H1 or 1405-Y.")
        key = _LABEL_NOISE.sub("", text).casefold()
        for period in cls.of_year(int(years[0])):
            for persian in (True, False):
                if _LABEL_NOISE.sub("", normalize_text(period.label(persian=persian))).casefold() == key:
                    return period
        raise ValueError("Not the name of a period.")

    @classmethod
    def of_year(cls, year: int, kinds: str = "QBHY") -> list["Period"]:
        """Every period of the given kinds in a Jalali year, in order of kind then number."""
        return [cls(year, kind, n) for kind in kinds for n in range(1, 12 // cls.MONTHS[kind] + 1)]

    def label(self, *, persian: bool | None = None) -> str:
        """The period in words in the page language (or in Persian / English when told):
        «آذر–دی ۱۴۰۵», «سه‌ماهه دوم ۱۴۰۵», «شش‌ماهه اول ۱۴۰۵», «سال ۱۴۰۵»; "Azar–Dey 1405", "Q2 1405"."""
        if persian is not None:
            with translation.override("fa" if persian else "en"):
                return self.label()
        persian = (get_language() or "fa").startswith("fa")
        year = to_persian_digits(self.year) if persian else str(self.year)
        if self.kind == "B":
            names = jdatetime.date.j_months_fa if persian else jdatetime.date.j_months_en
            return f"{names[self.first_month - 1]}–{names[self.first_month]} {year}"
        return str(_PERIOD_NAMES[self.kind, self.number]) % {"year": year}

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
        if self.kind == "Y":
            return f"{self.year}-Y"
        return f"{self.year}-{self.kind}{self.number}"

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> "Period":
        j = to_jalali(day)
        return cls(j.year, kind, (j.month - 1) // cls.MONTHS[kind] + 1)
