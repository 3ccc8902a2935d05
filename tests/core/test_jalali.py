"""Jalali dates at the edges: conversion vectors, display, typed input and report periods."""

import datetime as dt

import pytest
from django.utils import translation

from apps.core.jalali import Period, format_date, format_datetime, parse_date

# Seed vectors from the circulars (shared/NOTES.md, "Calendar").
VECTORS = [
    ("1390/03/25", dt.date(2011, 6, 15)),
    ("1393/04/24", dt.date(2014, 7, 15)),
    ("1396/09/07", dt.date(2017, 11, 28)),
    ("1397/03/01", dt.date(2018, 5, 22)),
    ("1401/12/28", dt.date(2023, 3, 19)),
    ("1405/01/01", dt.date(2026, 3, 21)),
    ("1405/09/01", dt.date(2026, 11, 22)),
    ("1406/01/01", dt.date(2027, 3, 21)),
]


@pytest.mark.parametrize(("jalali", "gregorian"), VECTORS)
def test_typed_jalali_date_becomes_its_gregorian_date(jalali, gregorian):
    assert parse_date(jalali) == gregorian


@pytest.mark.parametrize(("jalali", "gregorian"), VECTORS)
def test_gregorian_date_is_shown_as_its_jalali_date(jalali, gregorian):
    assert format_date(gregorian, persian_digits=False) == jalali


def test_date_is_shown_in_persian_digits_when_the_page_is_persian():
    with translation.override("fa"):
        assert format_date(dt.date(2026, 11, 22)) == "۱۴۰۵/۰۹/۰۱"


def test_date_is_shown_in_ascii_digits_when_the_page_is_english():
    with translation.override("en"):
        assert format_date(dt.date(2026, 11, 22)) == "1405/09/01"


def test_empty_date_is_shown_as_nothing():
    assert format_date(None) == ""
    assert format_date("") == ""
    assert format_datetime(None) == ""


def test_aware_utc_datetime_is_shown_in_tehran_time():
    moment = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        assert format_datetime(moment) == "1405/09/01 09:30"
    with translation.override("fa"):
        assert format_datetime(moment) == "۱۴۰۵/۰۹/۰۱ ۰۹:۳۰"


def test_late_utc_evening_is_already_the_next_day_in_tehran():
    moment = dt.datetime(2026, 11, 21, 21, 0, tzinfo=dt.UTC)  # 00:30 on 1405/09/01 in Tehran
    assert format_datetime(moment, persian_digits=False) == "1405/09/01 00:30"
    assert format_date(moment, persian_digits=False) == "1405/09/01"


@pytest.mark.parametrize(
    "typed",
    ["۱۴۰۵/۰۹/۰۱", "١٤٠٥/٠٩/٠١", "1405-09-01", "1405.9.1", " 1405 / 9 / 1 ", "05/09/01"],
)
def test_typed_date_accepts_any_digits_and_separators(typed):
    assert parse_date(typed) == dt.date(2026, 11, 22)


def test_1403_is_a_leap_year_and_1404_is_not():
    assert parse_date("1403/12/30") == dt.date(2025, 3, 20)
    with pytest.raises(ValueError, match="day"):
        parse_date("1404/12/30")


@pytest.mark.parametrize(
    "typed",
    [
        "1405/13/01",  # no thirteenth month
        "1405/12/31",  # Esfand never has 31 days
        "1405/12/30",  # 1405 is not a leap year
        "1405/07/31",  # the second half of the year has 30-day months
        "1405/00/10",
        "1405/01/00",
        "140/09/01",  # a typo, not the year 140
        "2026/11/22",  # a Gregorian date typed into a Jalali field
        "1405/09",
        "abc",
        "",
        None,
    ],
)
def test_impossible_jalali_date_is_refused(typed):
    with pytest.raises(ValueError):  # noqa: PT011 - callers catch exactly ValueError
        parse_date(typed)


def test_quarter_runs_from_its_first_to_its_last_day():
    q2 = Period.parse("1405-Q2")
    assert q2.start == dt.date(2026, 6, 22)  # 1405/04/01
    assert q2.end == dt.date(2026, 9, 22)  # 1405/06/31
    assert str(q2) == "1405-Q2"


def test_last_bimonth_ends_on_the_last_day_of_esfand():
    b6 = Period.parse("1405-B6")
    assert b6.start == parse_date("1405/11/01")
    assert b6.end == parse_date("1405/12/29")
    assert b6.end + dt.timedelta(days=1) == parse_date("1406/01/01")


def test_last_bimonth_of_a_leap_year_includes_esfand_30():
    assert Period.parse("1403-B6").end == parse_date("1403/12/30")


def test_first_half_covers_the_31_day_months():
    h1 = Period.parse("1405-H1")
    assert h1.start == dt.date(2026, 3, 21)
    assert h1.end == parse_date("1405/06/31")


def test_period_may_be_typed_in_persian_digits_and_lower_case():
    assert Period.parse("۱۴۰۵-q2") == Period(1405, "Q", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1405-B3", Period(1405, "B", 3)),
        ("B3-1405", Period(1405, "B", 3)),  # as right-to-left text shows the code
        ("۱۴۰۵-ب۳", Period(1405, "B", 3)),
        ("ب۳-۱۴۰۵", Period(1405, "B", 3)),
        ("Q٢-١٤٠٥", Period(1405, "Q", 2)),  # Arabic-Indic digits
        ("\u2066B3-1405\u2069", Period(1405, "B", 3)),  # copied from a page with its isolates
        ("1405 h1", Period(1405, "H", 1)),
        ("1405Q2", Period(1405, "Q", 2)),
        ("ف۲-۱۴۰۵", Period(1405, "Q", 2)),  # ف for فصل
        ("1405-Y", Period(1405, "Y", 1)),
        ("آذر–دی ۱۴۰۵", Period(1405, "B", 5)),  # what the page shows, typed back
        ("آذر - دي 1405", Period(1405, "B", 5)),  # Arabic yeh, spaces, ASCII digits
        ("سه‌ماهه دوم ۱۴۰۵", Period(1405, "Q", 2)),
        ("سه ماهه دوم 1405", Period(1405, "Q", 2)),
        ("شش‌ماهه اول ۱۴۰۵", Period(1405, "H", 1)),
        ("سال ۱۴۰۵", Period(1405, "Y", 1)),
        ("Azar–Dey 1405", Period(1405, "B", 5)),
        ("q2 1405", Period(1405, "Q", 2)),
    ],
)
def test_period_is_read_either_way_round_in_any_digits_or_by_its_name(text, expected):
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    ("period", "fa", "en"),
    [
        (Period(1405, "B", 5), "آذر–دی ۱۴۰۵", "Azar–Dey 1405"),
        (Period(1405, "B", 1), "فروردین–اردیبهشت ۱۴۰۵", "Farvardin–Ordibehesht 1405"),
        (Period(1405, "Q", 2), "سه‌ماهه دوم ۱۴۰۵", "Q2 1405"),
        (Period(1405, "H", 1), "شش‌ماهه اول ۱۴۰۵", "H1 1405"),
        (Period(1404, "Y", 1), "سال ۱۴۰۴", "Year 1404"),
    ],
)
def test_period_label_is_in_words_in_the_page_language(period, fa, en):
    with translation.override("fa"):
        assert period.label() == fa
        assert period.label(persian=False) == en
    with translation.override("en"):
        assert period.label() == en
        assert period.label(persian=True) == fa
    assert Period.parse(str(period)) == period  # the code goes back and forth


def test_every_period_label_reads_back_as_its_period():
    for period in Period.of_year(1405):
        assert Period.parse(period.label(persian=True)) == period
        assert Period.parse(period.label(persian=False)) == period


@pytest.mark.parametrize(
    "text",
    [
        "1405-Q5",
        "1405-Q0",
        "1405-B7",
        "1405-H3",
        "1405-Y2",
        "1405-X1",
        "1405-Q",
        "Q2",
        "1405",
        "آذر–بهمن ۱۴۰۵",
        "سه‌ماهه پنجم ۱۴۰۵",
        "1405-B3-1406",
        "",
        None,
    ],
)
def test_malformed_or_impossible_period_is_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - callers catch exactly ValueError
        Period.parse(text)


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (dt.date(2026, 11, 22), "Q", "1405-Q3"),
        (dt.date(2026, 11, 22), "B", "1405-B5"),
        (dt.date(2026, 3, 20), "H", "1404-H2"),  # the last day of 1404
        (dt.date(2026, 3, 21), "B", "1405-B1"),  # Nowruz starts a new year
    ],
)
def test_period_containing_a_day(day, kind, expected):
    period = Period.containing(day, kind)
    assert str(period) == expected
    assert period.start <= day <= period.end
