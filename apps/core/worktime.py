"""The one working-time calculator: working days, office hours and promised dates.

Weekly days off come from the province, holidays from the Holiday table (nationwide rows plus the
province's own). Arithmetic happens in Tehran wall time because office hours are Tehran's, whatever
zone a datetime arrives in; results are aware Tehran datetimes.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from apps.orgs.models import Province

TEHRAN = ZoneInfo("Asia/Tehran")
FRIDAY = 4  # the only weekly day off set by law; provinces may add Thursday

HOUR = "hour"
WORKING_DAY = "working_day"
CALENDAR_DAY = "calendar_day"
DURATION_UNITS = [
    (HOUR, _("hour")),
    (WORKING_DAY, _("working day")),
    (CALENDAR_DAY, _("calendar day")),
]

Number = Decimal | float | int

_VERSION_KEY = "core:worktime:version"
_calendars: dict[int | None, tuple[str, WorkCalendar]] = {}


def _local(value: dt.datetime) -> dt.datetime:
    # A naive value can only mean office wall time here: there is no other clock it could be read on.
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=TEHRAN)
    return value.astimezone(TEHRAN)


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local(value).date()
    return value


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TEHRAN)


def _whole(amount: Number) -> int:
    if int(amount) != amount:
        raise ValueError(f"A number of days must be whole, got {amount!r}.")
    return int(amount)


def _as_timedelta(hours: Number) -> dt.timedelta:
    # Through Decimal so that 0.1 hour is 6 minutes exactly, not 5:59.999999.
    microseconds = Decimal(str(hours)) * 3_600_000_000
    return dt.timedelta(microseconds=int(microseconds.to_integral_value()))


def office_hours() -> tuple[dt.time, dt.time]:
    """Opening and closing time of offices (settings.WORKDAY_START/END, Tehran wall time)."""
    opening = dt.time.fromisoformat(settings.WORKDAY_START)
    closing = dt.time.fromisoformat(settings.WORKDAY_END)
    if closing <= opening:
        raise ImproperlyConfigured("WORKDAY_END must be later than WORKDAY_START.")
    return opening, closing


class WorkCalendar:
    """Working days and office hours of one province, or the nationwide rules when it is None."""

    def __init__(self, province: Province | None = None) -> None:
        self.province_id: int | None = province.pk if province is not None else None
        days_off = province.weekly_off_days if province is not None else [FRIDAY]
        self.weekly_off_days = frozenset(int(d) for d in days_off)
        if self.weekly_off_days >= set(range(7)):
            # Every loop below looks for the next working day; a week without one never ends.
            raise ValueError(f"Province {province} has no working day in the week.")
        self._holidays: set[dt.date] = set()
        self._loaded_years: set[int] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<WorkCalendar province={self.province_id} off={sorted(self.weekly_off_days)}>"

    def _load_years(self, first: int, last: int) -> None:
        missing = [y for y in range(first, last + 1) if y not in self._loaded_years]
        if not missing:
            return
        # Model import deferred: catalog models import DURATION_UNITS while the app registry loads.
        from apps.core.models import Holiday

        with self._lock:
            missing = [y for y in missing if y not in self._loaded_years]
            if not missing:
                return
            lo, hi = min(missing), max(missing)
            where = Q(province__isnull=True)
            if self.province_id is not None:
                where |= Q(province_id=self.province_id)
            dates = Holiday.objects.filter(where, date__range=(dt.date(lo, 1, 1), dt.date(hi, 12, 31)))
            # Dates before years: a concurrent reader that sees a year loaded must see its holidays.
            self._holidays.update(dates.values_list("date", flat=True))
            self._loaded_years.update(range(lo, hi + 1))

    def is_working_day(self, day: dt.date) -> bool:
        """True unless the day is a weekly day off or a holiday (a datetime counts in Tehran)."""
        day = _as_date(day)
        if day.weekday() in self.weekly_off_days:
            return False
        if day.year not in self._loaded_years:
            # Deadlines run forward, so the next year comes along in the same query.
            self._load_years(day.year, day.year + 1)
        return day not in self._holidays

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after `day`."""
        day = _as_date(day) + dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """`start` moved by `days` working days (negative goes back), keeping the time of day."""
        local = _local(start)
        remaining = _whole(days)
        step = dt.timedelta(days=1 if remaining >= 0 else -1)
        remaining = abs(remaining)
        day = local.date()
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return _at(day, local.time())

    def add_working_hours(self, start: dt.datetime, hours: Number) -> dt.datetime:
        """`start` moved by `hours` of office time; the clock only runs inside office hours."""
        remaining = _as_timedelta(hours)
        if remaining < dt.timedelta(0):
            raise ValueError("Working hours cannot be negative.")
        cursor = _local(start)
        if not remaining:
            return cursor
        opening, closing = office_hours()
        day = cursor.date()
        while True:
            if self.is_working_day(day):
                begin = max(cursor, _at(day, opening))
                close_at = _at(day, closing)
                if begin < close_at:
                    available = close_at - begin
                    # Ending exactly at closing time stays on that day: "due by the end of today".
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
        begin, finish = _local(start), _local(end)
        if finish <= begin:
            return dt.timedelta(0)
        opening, closing = office_hours()
        self._load_years(begin.year, finish.year)
        total = dt.timedelta(0)
        day = begin.date()
        while day <= finish.date():
            if self.is_working_day(day):
                lo = max(begin, _at(day, opening))
                hi = min(finish, _at(day, closing))
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]; zero when `end` is not after `start`."""
        start, end = _as_date(start), _as_date(end)
        if end <= start:
            return 0
        self._load_years(start.year, end.year)
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + dt.timedelta(days=n))
        )

    def add_duration(self, start: dt.datetime, amount: Number, unit: str) -> dt.datetime:
        """`start` moved by `amount` of `unit` (HOUR, WORKING_DAY or CALENDAR_DAY)."""
        if unit == HOUR:
            return self.add_working_hours(start, amount)
        if unit == WORKING_DAY:
            return self.add_working_days(start, _whole(amount))
        if unit == CALENDAR_DAY:
            local = _local(start)
            return _at(local.date() + dt.timedelta(days=_whole(amount)), local.time())
        raise ValueError(f"Unknown duration unit {unit!r}; use one of {[u for u, _label in DURATION_UNITS]}.")


def _current_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        # A fresh token rather than a counter: a cache that lost the key must not land back on a
        # number some process still holds calendars for.
        token = uuid.uuid4().hex
        cache.add(_VERSION_KEY, token, timeout=None)
        # Falls back to the fresh token when the cache keeps nothing (DummyCache): always rebuild.
        version = cache.get(_VERSION_KEY) or token
    return version


def invalidate() -> None:
    """Make every process rebuild its calendars on next use (holidays or days off changed)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def calendar_for(province: Province | None = None) -> WorkCalendar:
    """The process-wide calendar of `province` (None: nationwide), rebuilt after any change."""
    if province is not None and province.pk is None:
        return WorkCalendar(province)
    key = province.pk if province is not None else None
    version = _current_version()
    cached = _calendars.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    calendar = WorkCalendar(province)
    _calendars[key] = (version, calendar)
    return calendar


def is_working_day(day: dt.date, *, province: Province | None = None) -> bool:
    """True unless `day` is a weekly day off or a holiday for `province`."""
    return calendar_for(province).is_working_day(day)


def next_working_day(day: dt.date, *, province: Province | None = None) -> dt.date:
    """The first working day after `day` for `province`."""
    return calendar_for(province).next_working_day(day)


def add_working_days(start: dt.datetime, days: int, *, province: Province | None = None) -> dt.datetime:
    """`start` moved by `days` working days of `province`, keeping the time of day."""
    return calendar_for(province).add_working_days(start, days)


def add_working_hours(start: dt.datetime, hours: Number, *, province: Province | None = None) -> dt.datetime:
    """`start` moved by `hours` of office time of `province`."""
    return calendar_for(province).add_working_hours(start, hours)


def working_time_between(
    start: dt.datetime, end: dt.datetime, *, province: Province | None = None
) -> dt.timedelta:
    """Office time of `province` elapsed from `start` to `end`."""
    return calendar_for(province).working_time_between(start, end)


def working_days_between(start: dt.date, end: dt.date, *, province: Province | None = None) -> int:
    """How many working days of `province` lie in (start, end]."""
    return calendar_for(province).working_days_between(start, end)


def add_duration(
    start: dt.datetime, amount: Number, unit: str, *, province: Province | None = None
) -> dt.datetime:
    """`start` moved by `amount` of `unit` on the calendar of `province`."""
    return calendar_for(province).add_duration(start, amount, unit)
