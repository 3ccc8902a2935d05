"""Reads of staff ratings (SPEC §5.2): the once-a-day check, the review queue, and the aggregates
behind an employee's page (and the dashboards and periodic reports built on them).

Flagged ratings (part of a burst, not accepted by a supervisor) are in no average and no count of
an aggregate; `RatingSummary.held` says how many still wait for review (rejected ones wait for nothing).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.core.jalali import tehran_bounds
from apps.core.scoping import scope_queryset
from apps.feedback.models import SCALE_MAX, SCALE_MIN, StaffRating, StaffRatingDay
from apps.orgs.models import Staff

SCORES = range(SCALE_MAX, SCALE_MIN - 1, -1)  # 5 (best) … 1, the order pages print them in


@dataclass(frozen=True)
class RatingSummary:
    """Counted ratings: how many, their average and how many gave each score; plus the held ones."""

    count: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    held: int = 0

    @classmethod
    def from_rows(cls, rows: dict[int, tuple[int, int]]) -> "RatingSummary":
        """From {score: (counted, held)}."""
        distribution = {score: rows.get(score, (0, 0))[0] for score in SCORES}
        count = sum(distribution.values())
        total = sum(score * n for score, n in distribution.items())
        return cls(
            count=count,
            average=round(total / count, 2) if count else None,
            distribution=distribution,
            held=sum(held for _counted, held in rows.values()),
        )

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(score, ratings, whole percent of the counted ratings), 5 down to 1, for a bar chart."""
        return [
            (s, n, round(100 * n / self.count) if self.count else 0) for s, n in self.distribution.items()
        ]


def day_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the calendar day in Tehran (the portal's time zone) that contains `now`."""
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    start = timezone.make_aware(
        dt.datetime.combine(local.date(), dt.time.min), timezone.get_default_timezone()
    )
    return start, start + dt.timedelta(days=1)


def period_bounds(period) -> tuple[dt.datetime, dt.datetime]:
    """A period (apps.core.jalali.Period, a month span, or a (first day, last day) pair of dates, both
    inclusive) as aware datetimes [start, end) in Tehran time."""
    first, last = (period.start, period.end) if hasattr(period, "start") else period
    return tehran_bounds(first, last)


def rating_list(*, staff_qs: QuerySet[Staff] | None = None, user=None, period=None) -> QuerySet[StaffRating]:
    """Ratings of the employees in `staff_qs`, or (with `user`) every rating in the user's scope —
    by the unit the employee served in when rated; narrowed to `period` when given."""
    if (staff_qs is None) == (user is None):
        raise TypeError("give either staff_qs or user")
    if staff_qs is not None:
        qs = StaffRating.objects.filter(staff__in=staff_qs)
    else:
        qs = scope_queryset(StaffRating.objects.all(), user)
    if period is not None:
        start, end = period_bounds(period)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    return qs


def rating_days(*, user, period=None) -> QuerySet[StaffRatingDay]:
    """The daily rollups of the ratings in the user's scope (by the unit the employee served in when
    rated), narrowed to the days of `period` when given: what the dashboards aggregate."""
    qs = scope_queryset(StaffRatingDay.objects.all(), user)
    if period is not None:
        first, last = (period.start, period.end) if hasattr(period, "start") else period
        qs = qs.filter(day__gte=first, day__lte=last)
    return qs


def _score_rows(qs: QuerySet[StaffRating], *group: str):
    return (
        qs.order_by()
        .values(*group, "score")
        .annotate(
            counted=Count("pk", filter=Q(flagged=False)),
            # Waiting for review; rejected ratings stay flagged but wait for nothing.
            held=Count("pk", filter=Q(flagged=True, reviewed_at__isnull=True)),
        )
    )


def staff_rating_summary(*, staff_qs: QuerySet[Staff] | None = None, user=None, period=None) -> RatingSummary:
    """Count, average and distribution of the counted ratings of `staff_qs` (or of the user's
    scope) in one GROUP BY score."""
    rows = {
        row["score"]: (row["counted"], row["held"])
        for row in _score_rows(rating_list(staff_qs=staff_qs, user=user, period=period))
    }
    return RatingSummary.from_rows(rows)


def staff_rating_summaries(*, staff_qs: QuerySet[Staff], period=None) -> dict[int, RatingSummary]:
    """{staff id: RatingSummary} for every rated employee of `staff_qs`, in one GROUP BY staff, score."""
    by_staff: dict[int, dict[int, tuple[int, int]]] = {}
    for row in _score_rows(rating_list(staff_qs=staff_qs, period=period), "staff_id"):
        by_staff.setdefault(row["staff_id"], {})[row["score"]] = (row["counted"], row["held"])
    return {staff_id: RatingSummary.from_rows(rows) for staff_id, rows in by_staff.items()}


def staff_rated_today(
    *, staff: Staff, device_key: str, mobile: str = "", now: dt.datetime | None = None
) -> bool:
    """Whether this device (or this mobile, when given) has rated the employee on the Tehran day of `now`."""
    start, end = day_bounds(now)
    same = Q(device_key=device_key)
    if mobile:
        same |= Q(mobile=mobile)
    return StaffRating.objects.filter(same, staff=staff, created_at__gte=start, created_at__lt=end).exists()


def held_ratings(*, user) -> QuerySet[StaffRating]:
    """Ratings waiting for a supervisor's review in the user's scope, oldest first."""
    return (
        scope_queryset(StaffRating.objects.filter(flagged=True, reviewed_at__isnull=True), user)
        .select_related("staff", "unit")
        .order_by("created_at", "pk")
    )


@dataclass
class HeldBurst:
    """The held ratings of one employee that arrived together: each within RATING_BURST_MINUTES of the
    one before it, as apps.feedback.services flags them. What a supervisor accepts or rejects at once."""

    staff: Staff
    ratings: list[StaffRating]

    @property
    def first(self) -> dt.datetime:
        return self.ratings[0].created_at

    @property
    def last(self) -> dt.datetime:
        return self.ratings[-1].created_at

    @property
    def count(self) -> int:
        return len(self.ratings)

    @property
    def scores(self) -> list[tuple[int, int]]:
        """(score, how many) for the scores that occur, 5 down to 1."""
        counts = dict.fromkeys(SCORES, 0)
        for rating in self.ratings:
            counts[rating.score] += 1
        return [(score, n) for score, n in counts.items() if n]

    @property
    def reason(self) -> str:
        return self.ratings[-1].flag_reason

    @property
    def unit(self):
        """Where the employee served when rated."""
        return self.ratings[-1].unit


def held_bursts(*, user) -> list[HeldBurst]:
    """The ratings waiting for review in the user's scope, grouped into bursts, the oldest burst
    first (one query)."""
    gap = dt.timedelta(minutes=settings.RATING_BURST_MINUTES)
    bursts: list[HeldBurst] = []
    current: dict[int, HeldBurst] = {}
    for rating in held_ratings(user=user):
        burst = current.get(rating.staff_id)
        if burst is None or rating.created_at - burst.last > gap:
            burst = current[rating.staff_id] = HeldBurst(staff=rating.staff, ratings=[])
            bursts.append(burst)
        burst.ratings.append(rating)
    return bursts


def staff_rating_recent(*, staff: Staff, period=None, limit: int = 30) -> list[StaffRating]:
    """The latest counted ratings of one employee (comments included) for their page."""
    qs = rating_list(staff_qs=Staff.objects.filter(pk=staff.pk), period=period).filter(flagged=False)
    return list(qs.order_by("-created_at", "-pk")[:limit])
