"""The working-time calculator: working days, office hours, durations, the seed and its caching.

Dates are written in Jalali because that is how the circulars and the examples read; 1405/09/01
is Sunday 2026-11-22, so 1405/09/04 is a Wednesday.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from apps.core import worktime
from apps.core.jalali import jalali_to_gregorian, to_jalali
from apps.core.models import Holiday
from apps.core.worktime import CALENDAR_DAY, HOUR, TEHRAN, WORKING_DAY, WorkCalendar, calendar_for
from tests.factories import ProvinceFactory

pytestmark = pytest.mark.django_db

THURSDAY, FRIDAY = 3, 4
NOWRUZ_1405 = [(1405, 1, 1), (1405, 1, 2), (1405, 1, 3), (1405, 1, 4), (1405, 1, 12), (1405, 1, 13)]


def day(year: int, month: int, dd: int) -> dt.date:
    return jalali_to_gregorian(year, month, dd)


def at(year: int, month: int, dd: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """Tehran wall time on a Jalali date."""
    return dt.datetime.combine(day(year, month, dd), dt.time(hour, minute), tzinfo=TEHRAN)


@pytest.fixture
def nationwide() -> WorkCalendar:
    return calendar_for(None)


@pytest.fixture
def thursday_off_province():
    return ProvinceFactory(weekly_off_days=[THURSDAY, FRIDAY])


# --- working days -------------------------------------------------------------------------------


def test_the_jalali_dates_used_here_fall_on_the_expected_weekdays():
    assert day(1405, 9, 1) == dt.date(2026, 11, 22)
    assert day(1405, 9, 4).weekday() == 2  # Wednesday
    assert day(1404, 12, 27) == dt.date(2026, 3, 18)


def test_three_working_days_from_wednesday_land_on_sunday_when_only_friday_is_off(nationwide):
    result = nationwide.add_working_days(at(1405, 9, 4, 9), 3)

    assert result == at(1405, 9, 8, 9)
    assert result.date() == dt.date(2026, 11, 29)
    assert result.weekday() == 6  # Sunday
    assert result.tzinfo == TEHRAN


def test_three_working_days_from_wednesday_land_on_monday_when_the_province_also_closes_thursday(
    thursday_off_province,
):
    result = calendar_for(thursday_off_province).add_working_days(at(1405, 9, 4, 9), 3)

    assert result == at(1405, 9, 9, 9)
    assert result.weekday() == 0  # Monday


def test_a_province_with_default_days_off_counts_like_the_nationwide_calendar():
    province = ProvinceFactory()

    assert calendar_for(province).add_working_days(at(1405, 9, 4), 3) == at(1405, 9, 8)


def test_counting_from_a_day_off_starts_with_the_next_working_day(nationwide):
    friday = at(1405, 9, 6, 10, 15)
    assert friday.weekday() == FRIDAY

    assert nationwide.add_working_days(friday, 1) == at(1405, 9, 7, 10, 15)
    assert nationwide.add_working_days(friday, 2) == at(1405, 9, 8, 10, 15)


def test_adding_zero_working_days_returns_the_start(nationwide):
    assert nationwide.add_working_days(at(1405, 9, 6, 11), 0) == at(1405, 9, 6, 11)


def test_negative_working_days_count_backwards(nationwide):
    assert nationwide.add_working_days(at(1405, 9, 8, 9), -3) == at(1405, 9, 4, 9)


def test_working_days_keep_the_tehran_time_of_day_of_a_utc_start(nationwide):
    start = dt.datetime(2026, 11, 25, 5, 30, tzinfo=dt.UTC)  # 09:00 in Tehran

    result = nationwide.add_working_days(start, 3)

    assert result == at(1405, 9, 8, 9)
    assert (result.hour, result.minute) == (9, 0)
    assert result.tzinfo == TEHRAN


def test_a_late_evening_utc_start_counts_from_the_tehran_date(nationwide):
    # 21:00 UTC on Tuesday is already 00:30 on Wednesday in Tehran.
    start = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC)

    assert nationwide.add_working_days(start, 3) == at(1405, 9, 8, 0, 30)


def test_nowruz_holidays_of_the_seed_are_not_working_days(nationwide):
    for jalali in NOWRUZ_1405:
        assert not nationwide.is_working_day(day(*jalali)), jalali
    assert nationwide.is_working_day(day(1405, 1, 5))
    assert nationwide.is_working_day(day(1405, 1, 15))


def test_working_days_over_nowruz_skip_the_new_year_holidays(nationwide):
    start = at(1404, 12, 27, 10)  # Wednesday; 12/29 is a Friday, then 1405/01/01–04 are holidays

    assert nationwide.add_working_days(start, 1) == at(1404, 12, 28, 10)
    assert nationwide.add_working_days(start, 2) == at(1405, 1, 5, 10)
    assert nationwide.add_working_days(start, 7) == at(1405, 1, 11, 10)
    # 01/12–13 (Republic day, Nature day) then Friday 01/14.
    assert nationwide.add_working_days(start, 8) == at(1405, 1, 15, 10)


def test_working_days_between_counts_across_nowruz(nationwide):
    assert nationwide.working_days_between(day(1404, 12, 27), day(1405, 1, 15)) == 8
    assert nationwide.working_days_between(day(1405, 1, 1), day(1405, 1, 4)) == 0
    assert nationwide.working_days_between(day(1404, 12, 27), day(1405, 1, 4)) == 1


def test_working_days_between_excludes_the_start_and_includes_the_end(nationwide):
    assert nationwide.working_days_between(day(1405, 9, 4), day(1405, 9, 5)) == 1
    assert nationwide.working_days_between(day(1405, 9, 4), day(1405, 9, 8)) == 3


def test_working_days_between_is_zero_when_end_is_not_after_start(nationwide):
    assert nationwide.working_days_between(day(1405, 9, 4), day(1405, 9, 4)) == 0
    assert nationwide.working_days_between(day(1405, 9, 8), day(1405, 9, 4)) == 0


def test_working_days_between_is_the_inverse_of_adding_working_days(nationwide, thursday_off_province):
    for calendar in (nationwide, calendar_for(thursday_off_province)):
        start = at(1404, 12, 20)
        for n in (1, 5, 20, 60):
            end = calendar.add_working_days(start, n)
            assert calendar.working_days_between(start.date(), end.date()) == n


def test_a_province_holiday_closes_only_that_province(nationwide):
    closed, other = ProvinceFactory(), ProvinceFactory()
    Holiday.objects.create(date=day(1405, 9, 5), title="تعطیلی استانی", kind="special", province=closed)

    assert not calendar_for(closed).is_working_day(day(1405, 9, 5))
    assert calendar_for(other).is_working_day(day(1405, 9, 5))
    assert calendar_for(None).is_working_day(day(1405, 9, 5))
    assert calendar_for(closed).add_working_days(at(1405, 9, 4), 3) == at(1405, 9, 9)
    assert calendar_for(other).add_working_days(at(1405, 9, 4), 3) == at(1405, 9, 8)


def test_a_nationwide_holiday_closes_every_province():
    province = ProvinceFactory()
    Holiday.objects.create(date=day(1405, 9, 5), title="تعطیلی سراسری", kind="special")

    assert not calendar_for(province).is_working_day(day(1405, 9, 5))
    assert not calendar_for(None).is_working_day(day(1405, 9, 5))


def test_is_working_day_reads_a_datetime_in_tehran_time(nationwide):
    # 21:00 UTC on Thursday is 00:30 on Friday in Tehran.
    assert not nationwide.is_working_day(dt.datetime(2026, 11, 26, 21, 0, tzinfo=dt.UTC))
    assert nationwide.is_working_day(dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC))


def test_next_working_day_steps_over_friday(nationwide):
    assert nationwide.next_working_day(day(1405, 9, 5)) == day(1405, 9, 7)


def test_a_week_without_working_days_is_refused():
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(ProvinceFactory.build(weekly_off_days=list(range(7))))


# --- office hours -------------------------------------------------------------------------------


def test_working_hours_continue_after_closing_time_on_the_next_working_day(nationwide):
    # One hour left on Wednesday (13:30–14:30), the second from Thursday's 07:30.
    assert nationwide.add_working_hours(at(1405, 9, 4, 13, 30), 2) == at(1405, 9, 5, 8, 30)


def test_working_hours_skip_the_weekend(nationwide, thursday_off_province):
    # Thursday 14:00: half an hour left, Friday closed, Saturday from 07:30.
    assert nationwide.add_working_hours(at(1405, 9, 5, 14), 1) == at(1405, 9, 7, 8)
    # Where Thursday is off too, Wednesday's last half hour is followed by Saturday.
    assert calendar_for(thursday_off_province).add_working_hours(at(1405, 9, 4, 14), 1) == at(1405, 9, 7, 8)


def test_working_hours_started_before_opening_begin_at_opening(nationwide):
    assert nationwide.add_working_hours(at(1405, 9, 4, 6), 1) == at(1405, 9, 4, 8, 30)


def test_working_hours_started_after_closing_begin_next_working_morning(nationwide):
    assert nationwide.add_working_hours(at(1405, 9, 4, 15), 1) == at(1405, 9, 5, 8, 30)
    assert nationwide.add_working_hours(at(1405, 9, 5, 20), 1) == at(1405, 9, 7, 8, 30)


def test_working_hours_started_on_a_holiday_begin_the_next_working_morning(nationwide):
    assert nationwide.add_working_hours(at(1405, 1, 1, 10), 3) == at(1405, 1, 5, 10, 30)


def test_a_full_office_day_of_hours_ends_at_closing_time(nationwide):
    assert nationwide.add_working_hours(at(1405, 9, 4, 7, 30), 7) == at(1405, 9, 4, 14, 30)
    assert nationwide.add_working_hours(at(1405, 9, 4, 7, 30), 14) == at(1405, 9, 5, 14, 30)


def test_working_hours_accept_decimal_and_float_amounts_exactly(nationwide):
    assert nationwide.add_working_hours(at(1405, 9, 4, 9), Decimal("1.5")) == at(1405, 9, 4, 10, 30)
    assert nationwide.add_working_hours(at(1405, 9, 4, 9), 0.1) == at(1405, 9, 4, 9, 6)


def test_zero_working_hours_return_the_start(nationwide):
    assert nationwide.add_working_hours(at(1405, 9, 6, 20), 0) == at(1405, 9, 6, 20)


def test_negative_working_hours_are_refused(nationwide):
    with pytest.raises(ValueError, match="negative"):
        nationwide.add_working_hours(at(1405, 9, 4), -1)


def test_office_hours_follow_the_settings(nationwide, settings):
    settings.WORKDAY_START, settings.WORKDAY_END = "08:00", "16:00"

    assert nationwide.add_working_hours(at(1405, 9, 4, 15), 2) == at(1405, 9, 5, 9)


def test_working_time_between_skips_a_holiday_and_the_weekend(nationwide):
    Holiday.objects.create(date=day(1405, 9, 5), title="تعطیلی", kind="special")

    # Wednesday 12:30–14:30, Thursday (holiday) and Friday closed, Saturday 07:30–09:30.
    elapsed = nationwide.working_time_between(at(1405, 9, 4, 12, 30), at(1405, 9, 7, 9, 30))

    assert elapsed == dt.timedelta(hours=4)


def test_working_time_between_over_nowruz_counts_only_office_days(nationwide):
    # Thursday 1404/12/28 full day, then nothing until Wednesday 1405/01/05 full day.
    elapsed = nationwide.working_time_between(at(1404, 12, 28, 0), at(1405, 1, 5, 23))

    assert elapsed == dt.timedelta(hours=14)


def test_working_time_between_counts_only_office_hours_of_a_day(nationwide):
    hour = dt.timedelta(hours=1)
    assert nationwide.working_time_between(at(1405, 9, 4, 6), at(1405, 9, 4, 20)) == 7 * hour
    assert nationwide.working_time_between(at(1405, 9, 4, 9), at(1405, 9, 4, 9, 45)) == 0.75 * hour


def test_working_time_between_is_zero_when_end_is_not_after_start(nationwide):
    assert nationwide.working_time_between(at(1405, 9, 4, 10), at(1405, 9, 4, 10)) == dt.timedelta(0)
    assert nationwide.working_time_between(at(1405, 9, 7, 10), at(1405, 9, 4, 10)) == dt.timedelta(0)


def test_working_time_between_undoes_adding_working_hours(nationwide):
    start = at(1405, 9, 3, 11, 20)
    for hours in (1, 6, 7, 23, 100):
        end = nationwide.add_working_hours(start, hours)
        assert nationwide.working_time_between(start, end) == dt.timedelta(hours=hours)


# --- durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (2, HOUR, at(1405, 9, 5, 8, 30)),
        (Decimal("0.5"), HOUR, at(1405, 9, 4, 14)),
        (3, WORKING_DAY, at(1405, 9, 8, 13, 30)),
        (3, CALENDAR_DAY, at(1405, 9, 7, 13, 30)),
        (2, CALENDAR_DAY, at(1405, 9, 6, 13, 30)),  # a Friday: calendar days do not care
    ],
)
def test_add_duration_understands_every_unit(nationwide, amount, unit, expected):
    assert nationwide.add_duration(at(1405, 9, 4, 13, 30), amount, unit) == expected


def test_add_duration_refuses_an_unknown_unit(nationwide):
    with pytest.raises(ValueError, match="Unknown duration unit"):
        nationwide.add_duration(at(1405, 9, 4), 1, "fortnight")


def test_add_duration_refuses_a_fraction_of_a_day(nationwide):
    with pytest.raises(ValueError, match="whole"):
        nationwide.add_duration(at(1405, 9, 4), Decimal("1.5"), WORKING_DAY)


def test_duration_units_offer_hour_working_day_and_calendar_day():
    with translation.override("en"):
        labels = [(value, str(label)) for value, label in worktime.DURATION_UNITS]

    assert labels == [
        ("hour", "hour"),
        ("working_day", "working day"),
        ("calendar_day", "calendar day"),
    ]


def test_module_functions_use_the_calendar_of_the_given_province(thursday_off_province):
    p = thursday_off_province
    start = at(1405, 9, 4, 9)

    assert worktime.add_working_days(start, 3) == at(1405, 9, 8, 9)
    assert worktime.add_working_days(start, 3, province=p) == at(1405, 9, 9, 9)
    assert worktime.add_duration(start, 3, WORKING_DAY, province=p) == at(1405, 9, 9, 9)
    assert not worktime.is_working_day(day(1405, 9, 5), province=p)
    assert worktime.next_working_day(day(1405, 9, 4), province=p) == day(1405, 9, 7)
    assert worktime.working_days_between(day(1405, 9, 4), day(1405, 9, 9), province=p) == 3
    assert worktime.add_working_hours(at(1405, 9, 4, 14), 1, province=p) == at(1405, 9, 7, 8)
    elapsed = worktime.working_time_between(at(1405, 9, 4, 14), at(1405, 9, 7, 8), province=p)
    assert elapsed == dt.timedelta(hours=1)


# --- seed ---------------------------------------------------------------------------------------


def test_the_seed_has_the_25_official_holidays_of_1405():
    year = Holiday.objects.filter(province=None, date__range=(day(1405, 1, 1), day(1405, 12, 29)))

    assert year.count() == 25


def test_the_seed_drops_1405_01_25_and_keeps_nowruz():
    assert not Holiday.objects.filter(date=day(1405, 1, 25)).exists()
    nowruz = Holiday.objects.get(date=day(1405, 1, 1), province=None)
    assert nowruz.kind == Holiday.Kind.SOLAR
    assert "نوروز" in nowruz.title


def test_the_seed_covers_1406_without_estimate_markers():
    year = Holiday.objects.filter(province=None, date__range=(day(1406, 1, 1), day(1406, 12, 29)))

    assert year.count() == 27
    assert year.filter(date=day(1406, 1, 1)).exists()
    assert not year.filter(title__contains="تخمینی").exists()
    assert set(year.values_list("kind", flat=True)) == {Holiday.Kind.SOLAR, Holiday.Kind.LUNAR}


def test_holidays_import_adds_only_dates_not_already_present():
    out = StringIO()
    call_command("holidays_import", jalali_year=1407, stdout=out)

    added = Holiday.objects.filter(province=None, date__range=(day(1407, 1, 1), day(1407, 12, 29)))
    assert added.count() > 20
    assert added.filter(date=day(1407, 1, 1), kind=Holiday.Kind.SOLAR).exists()
    assert f"+ 1407/01/01 ({day(1407, 1, 1)})" in out.getvalue()

    again = StringIO()
    call_command("holidays_import", jalali_year=1407, stdout=again)
    assert "added 0" in again.getvalue()
    assert added.count() == Holiday.objects.filter(date__in=added.values("date")).count()


def test_holidays_import_does_not_bring_back_the_unofficial_1405_01_25():
    out = StringIO()
    call_command("holidays_import", jalali_year=1405, stdout=out)

    assert "added 0" in out.getvalue()
    assert not Holiday.objects.filter(date=day(1405, 1, 25)).exists()


def test_holidays_import_help_tells_admins_to_check_lunar_dates():
    from apps.core.management.commands.holidays_import import Command

    assert "official calendar" in Command.help


# --- queries and caching ------------------------------------------------------------------------


def test_adding_200_working_days_costs_a_bounded_number_of_queries(
    thursday_off_province, django_assert_max_num_queries, django_assert_num_queries
):
    start = at(1405, 9, 4, 9)

    with django_assert_max_num_queries(2):
        end = worktime.add_working_days(start, 200, province=thursday_off_province)
    with django_assert_num_queries(0):
        assert worktime.add_working_days(start, 200, province=thursday_off_province) == end
        assert worktime.working_days_between(start.date(), end.date(), province=thursday_off_province) == 200
    assert to_jalali(end).year == 1406


def test_a_year_of_working_hours_costs_a_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        worktime.add_working_hours(at(1405, 9, 4, 9), 7 * 250)


def test_calendar_for_reuses_one_calendar_per_province_until_something_changes():
    province = ProvinceFactory()

    assert calendar_for(province) is calendar_for(province)
    assert calendar_for(None) is calendar_for(None)
    assert calendar_for(province) is not calendar_for(None)


def test_a_new_holiday_invalidates_the_cached_calendar():
    wednesday = day(1405, 9, 4)
    assert calendar_for(None).is_working_day(wednesday)

    holiday = Holiday.objects.create(date=wednesday, title="تعطیلی اضطراری", kind="special")

    assert not calendar_for(None).is_working_day(wednesday)
    assert not worktime.is_working_day(wednesday)

    holiday.delete()

    assert calendar_for(None).is_working_day(wednesday)


def test_changing_a_province_days_off_invalidates_its_cached_calendar():
    province = ProvinceFactory()
    thursday = day(1405, 9, 5)
    assert calendar_for(province).is_working_day(thursday)

    province.weekly_off_days = [THURSDAY, FRIDAY]
    province.save()

    assert not calendar_for(province).is_working_day(thursday)
