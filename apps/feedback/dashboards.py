"""Reads behind the satisfaction dashboards (SPEC §5, seed 000 items 5 and b-2): staff ratings and
questionnaire indices of one employee, one unit and the units below it, one executive body, one
province or the whole country, over a Jalali period.

Every figure is aggregated by the database from the daily rollups (apps.feedback.rollups: ratings per
day, employee and unit; answers per day, unit, sub-service and question, and per day, province and
question; questionnaires per day, unit and sub-service), which carry copies of their unit, body and
province, so a scope is a WHERE on one table; a Jalali month is a range of Gregorian days worked out
here, and the monthly trend is one filtered aggregate per month inside the same query. A dashboard
therefore costs the same dozen queries whether the scope holds ten ratings or ten million, reads a
row per employee-day rather than per rating, and Python only ever holds grouped rows. Only the
latest suggestions are read from the questionnaires themselves.

What a user may see: every query starts from the portal's one scoping rule (apps.core.scoping), and
an object outside the user's area raises ObjectDoesNotExist (views answer 404). Flagged ratings —
held bursts, and rejected ones — are in no average, count or ranking (apps.feedback.ratings).
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

import jdatetime
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import FloatField, Model, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.jalali import Period, jalali_to_gregorian, to_jalali
from apps.core.scoping import scope_by_body, scope_queryset
from apps.core.text import to_persian_digits
from apps.feedback import indices
from apps.feedback.models import StaffRatingDay, SurveyDay, SurveyResponse
from apps.feedback.ratings import SCORES, RatingSummary, period_bounds, rating_days
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit, Province, Staff

NATION, PROVINCE, BODY, UNIT, STAFF = "nation", "province", "body", "unit", "staff"
LEVELS = (NATION, PROVINCE, BODY, UNIT, STAFF)  # broadest first
LEVEL_LABELS = {
    NATION: _("Whole country"),
    PROVINCE: _("Province"),
    BODY: _("Executive body"),
    UNIT: _("Unit"),
    STAFF: _("Employee"),
}
# The level a dashboard breaks down into (its table of "parts", each a link one level down).
CHILD_LEVEL = {NATION: PROVINCE, PROVINCE: BODY, BODY: UNIT, UNIT: STAFF}

DEFAULT_MONTHS = 6
# Fewer counted ratings than this and an employee or unit is not ranked: one angry citizen must not
# put a colleague at the bottom of the list.
RANKING_MIN_RATINGS = 5
LOWEST_LIMIT = 10
# Citizens' suggestions: the latest on the page; the Excel file has every one, up to a cap that keeps
# a national file openable.
SUGGESTIONS_SHOWN = 20
SUGGESTIONS_EXPORT_MAX = 20_000


# --- Jalali months and periods ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class JalaliMonth:
    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> "JalaliMonth":
        j = to_jalali(day)
        return cls(j.year, j.month)

    def next(self) -> "JalaliMonth":
        return JalaliMonth(self.year + self.month // 12, self.month % 12 + 1)

    def shifted(self, months: int) -> "JalaliMonth":
        index = self.year * 12 + self.month - 1 + months
        return JalaliMonth(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.date:
        return jalali_to_gregorian(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the month (inclusive)."""
        return self.next().start - dt.timedelta(days=1)

    def label(self, *, persian: bool | None = None) -> str:
        """«آذر ۱۴۰۵» / "Azar 1405"."""
        if persian is None:
            persian = (get_language() or "fa").startswith("fa")
        if persian:
            return to_persian_digits(f"{jdatetime.date.j_months_fa[self.month - 1]} {self.year}")
        return f"{jdatetime.date.j_months_en[self.month - 1]} {self.year}"


@dataclass(frozen=True)
class MonthSpan:
    """Whole Jalali months from `first` to `last`: the dashboards' default window, the current month
    and the five before it. Quacks like apps.core.jalali.Period (start, end)."""

    first: JalaliMonth
    last: JalaliMonth

    @property
    def start(self) -> dt.date:
        return self.first.start

    @property
    def end(self) -> dt.date:
        return self.last.end

    def label(self, *, persian: bool | None = None) -> str:
        return _("%(first)s to %(last)s") % {
            "first": self.first.label(persian=persian),
            "last": self.last.label(persian=persian),
        }

    def __str__(self) -> str:
        # The default window has no name in a URL: an empty period means "the last six months".
        return ""


def period_default(today: dt.date | None = None, months: int = DEFAULT_MONTHS) -> MonthSpan:
    """The current Jalali month and the `months` − 1 before it."""
    last = JalaliMonth.of(today or timezone.localdate())
    return MonthSpan(first=last.shifted(-(months - 1)), last=last)


def period_months(period: Period | MonthSpan) -> list[JalaliMonth]:
    """The Jalali months of a period, in order (a period always runs from a month's first day)."""
    months, month = [], JalaliMonth.of(period.start)
    while month.start <= period.end:
        months.append(month)
        month = month.next()
    return months


def _month_q(month: JalaliMonth) -> Q:
    """The rollup rows of the days of one month."""
    return Q(day__gte=month.start, day__lte=month.end)


# --- scopes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """What a dashboard is about: the whole country, or one province, body, unit (with the units below
    it) or employee."""

    level: str
    obj: Model | None = None

    @property
    def pk(self) -> int | None:
        return getattr(self.obj, "pk", None)

    @property
    def name(self) -> str:
        if self.level == NATION:
            return str(LEVEL_LABELS[NATION])
        if self.level == STAFF:
            return self.obj.full_name
        return self.obj.name

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    def narrow(self, qs: QuerySet) -> QuerySet:
        """Ratings, answers or questionnaires (which copy unit, body and province) of this scope."""
        if self.level == PROVINCE:
            return qs.filter(province_id=self.pk)
        if self.level == BODY:
            return qs.filter(body_id=self.pk)
        if self.level == UNIT:
            return qs.filter(unit__path__startswith=self.obj.path)
        if self.level == STAFF:
            return qs.filter(staff_id=self.pk)
        return qs

    @property
    def answers_kwargs(self) -> dict:
        """The narrowing of apps.feedback.indices.answers_in_scope (questionnaires are about a desk,
        not about an employee: an employee scope has none)."""
        return {PROVINCE: {"province": self.obj}, BODY: {"body": self.obj}, UNIT: {"unit": self.obj}}.get(
            self.level, {}
        )

    @property
    def has_questionnaire(self) -> bool:
        return self.level != STAFF


def provinces_in_scope(user) -> QuerySet[Province]:
    """Provinces whose dashboard the user may open: all for national roles, their own for a
    provincial auditor; none for roles whose area is a unit (their unit's dashboard is the one)."""
    if roles.is_national(user):
        return Province.objects.all()
    staff = getattr(user, "staff", None)
    if roles.has_role(user, roles.PROVINCIAL_AUDITOR) and staff is not None and staff.active:
        return Province.objects.filter(pk=staff.unit.province_id)
    return Province.objects.none()


def bodies_in_scope(user) -> QuerySet[Body]:
    """Bodies with a unit in the user's area (their dashboard counts only that part)."""
    return scope_by_body(Body.objects.all(), user, body_field="pk")


def units_in_scope(user) -> QuerySet[OrgUnit]:
    """Units whose dashboard (the unit and the units below it) the user may open."""
    return scope_queryset(OrgUnit.objects.select_related("body", "province"), user, unit_field=None)


def staff_in_scope(user) -> QuerySet[Staff]:
    """Employees whose dashboard the user may open (whether a role may read them is the view's call)."""
    return scope_queryset(Staff.objects.select_related("unit__body", "unit__province"), user)


def dashboard_scope_get(*, user, level: str, pk: int | None = None) -> DashboardScope:
    """The scope `level`/`pk` if the user may see it; ObjectDoesNotExist otherwise (so views answer 404)."""
    if level == NATION:
        if not roles.is_national(user):
            raise ObjectDoesNotExist("the whole country is outside the user's area")
        return DashboardScope(NATION)
    getters = {
        PROVINCE: provinces_in_scope,
        BODY: bodies_in_scope,
        UNIT: units_in_scope,
        STAFF: staff_in_scope,
    }
    if level not in getters or pk is None:
        raise ObjectDoesNotExist(f"no {level} given")
    return DashboardScope(level, getters[level](user).get(pk=pk))


def dashboard_scope_default(*, user) -> DashboardScope:
    """Where a user's dashboard opens: the country (national roles), their province (provincial
    auditor) or their own unit and the units below it (everyone else)."""
    if roles.is_national(user):
        return DashboardScope(NATION)
    staff = user.staff
    if roles.has_role(user, roles.PROVINCIAL_AUDITOR) and staff.unit.province_id:
        return DashboardScope(PROVINCE, staff.unit.province)
    return DashboardScope(UNIT, staff.unit)


def _containing(scope: DashboardScope, level: str) -> tuple[str, int | None] | None:
    """(level, id) of the object of a broader `level` that contains `scope`; None when there is no
    single one (a national HQ has no province; a body may span several)."""
    obj = scope.obj
    if level == NATION:
        return (NATION, None)
    if scope.level == STAFF:
        obj = obj.unit
        if level == UNIT:
            return (UNIT, obj.pk)
    if scope.level in (STAFF, UNIT):
        if level == BODY:
            return (BODY, obj.body_id)
        if level == PROVINCE and obj.province_id:
            return (PROVINCE, obj.province_id)
        return None
    if scope.level == BODY and level == PROVINCE:
        provinces = list(
            OrgUnit.objects.filter(body_id=obj.pk, province__isnull=False)
            .values_list("province_id", flat=True)
            .distinct()[:2]
        )
        return (PROVINCE, provinces[0]) if len(provinces) == 1 else None
    return None


def dashboard_scope_up(*, user, scope: DashboardScope, level: str) -> DashboardScope | None:
    """The broader scope of `level` that contains `scope` if the user may open it, else None: the
    unit of an employee, the body or province of a unit, the country."""
    if LEVELS.index(level) >= LEVELS.index(scope.level):
        return None
    found = _containing(scope, level)
    if found is None:
        return None
    try:
        return dashboard_scope_get(user=user, level=found[0], pk=found[1])
    except ObjectDoesNotExist:
        return None


def dashboard_trail(*, user, scope: DashboardScope) -> list[DashboardScope]:
    """The broader scopes above `scope` that the user may open, broadest first (the drill-up links):
    the country, the province, the body, then every unit above (an employee's own unit included)."""
    trail = []
    for level in (NATION, PROVINCE, BODY):
        if LEVELS.index(level) < LEVELS.index(scope.level):
            up = dashboard_scope_up(user=user, scope=scope, level=level)
            if up is not None:
                trail.append(up)
    if scope.level in (UNIT, STAFF):
        unit = scope.obj.unit if scope.level == STAFF else scope.obj
        above = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
        if scope.level == UNIT:
            above.remove(unit.pk)
        trail += [DashboardScope(UNIT, u) for u in units_in_scope(user).filter(pk__in=above).order_by("path")]
    return trail


def dashboard_choices(*, user, level: str, around: DashboardScope, limit: int = 300) -> list[tuple[int, str]]:
    """(id, name) of the objects of `level` the user may open, near `around` (the bodies of its province,
    the units of its body, the employees of its unit), at most `limit` of them."""
    if level == NATION:
        return []
    obj = around.obj
    unit = obj.unit if around.level == STAFF else obj if around.level == UNIT else None
    if level == PROVINCE:
        return [(p.pk, p.name) for p in provinces_in_scope(user).order_by("code")[:limit]]
    if level == BODY:
        qs = bodies_in_scope(user)
        province_id = obj.pk if around.level == PROVINCE else getattr(unit, "province_id", None)
        if province_id:
            qs = qs.filter(units__province_id=province_id).distinct()
        return [(b.pk, b.name) for b in qs.order_by("name_fa", "pk")[:limit]]
    if level == UNIT:
        qs = units_in_scope(user)
        if around.level == BODY:
            qs = qs.filter(body_id=obj.pk)
        elif unit is not None:
            qs = qs.filter(body_id=unit.body_id)
        elif around.level == PROVINCE:
            qs = qs.filter(province_id=obj.pk)
        return [(u.pk, u.name) for u in qs.order_by("path")[:limit]]
    qs = staff_in_scope(user).filter(active=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    elif around.level == BODY:
        qs = qs.filter(body_id=obj.pk)
    elif around.level == PROVINCE:
        qs = qs.filter(unit__province_id=obj.pk)
    return [
        (s.pk, f"{s.full_name} — {s.unit.name}") for s in qs.order_by("unit__path", "last_name", "pk")[:limit]
    ]


# --- figures ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: JalaliMonth
    ratings: int = 0
    rating_average: float | None = None
    responses: int = 0
    index: float | None = None


@dataclass(frozen=True)
class Row:
    """One employee, unit, body or province in a ranking or a breakdown table."""

    level: str
    pk: int | None
    name: str
    detail: str = ""
    ratings: int = 0
    average: float | None = None  # 1–5
    responses: int = 0
    index: float | None = None  # 0–100
    linked: bool = True


@dataclass(frozen=True)
class Dashboard:
    scope: DashboardScope
    period: Period | MonthSpan
    ratings: RatingSummary
    months: list[MonthFigures]
    responses: int | None  # None: not applicable (an employee)
    index: float | None
    axes: list[indices.AxisIndex]
    lowest_staff: list[Row] | None  # None: not shown to this user / at this level
    lowest_units: list[Row] | None
    child_level: str | None
    children: list[Row]
    min_ratings: int = RANKING_MIN_RATINGS
    # Questionnaires of the period with a suggestion, and the latest of them (none for an employee).
    suggestion_count: int = 0
    suggestions: list[SurveyResponse] = field(default_factory=list)


def _average(total, count: int) -> float | None:
    return round(total / count, 2) if count else None


def _mean(values: list[float]) -> float | None:
    # The index rule of apps.feedback.indices: each question weighs the same.
    return math.fsum(values) / len(values) if values else None


def _ratings(*, user, scope: DashboardScope, period) -> QuerySet[StaffRatingDay]:
    return scope.narrow(rating_days(user=user, period=period))


def dashboard_ratings(
    *, user, scope: DashboardScope, period, months: list[JalaliMonth]
) -> tuple[RatingSummary, list]:
    """Count, average and distribution of the counted ratings, the held ones, and per month the count
    and average — one scan, one row."""
    aggregates = {f"s{score}": Sum(f"s{score}") for score in SCORES}
    aggregates["held"] = Sum("held")
    for i, month in enumerate(months):
        aggregates[f"n{i}"] = Sum("count", filter=_month_q(month))
        aggregates[f"t{i}"] = Sum("total", filter=_month_q(month))
    row = _ratings(user=user, scope=scope, period=period).order_by().aggregate(**aggregates)
    row = {name: value or 0 for name, value in row.items()}  # a sum over no row is NULL
    summary = RatingSummary.from_rows({score: (row[f"s{score}"], 0) for score in SCORES})
    summary = replace(summary, held=row["held"])
    per_month = [(row[f"n{i}"], _average(row[f"t{i}"] or 0, row[f"n{i}"])) for i in range(len(months))]
    return summary, per_month


def _survey_days(*, user, scope: DashboardScope, period) -> QuerySet[SurveyDay]:
    qs = scope_queryset(SurveyDay.objects.all(), user).filter(day__gte=period.start, day__lte=period.end)
    return scope.narrow(qs)


def _responses(*, user, scope: DashboardScope, period) -> QuerySet[SurveyResponse]:
    start, end = period_bounds(period)
    qs = scope_queryset(SurveyResponse.objects.all(), user).filter(
        submitted_at__gte=start, submitted_at__lt=end
    )
    return scope.narrow(qs)


def dashboard_questionnaire(*, user, scope: DashboardScope, period, months: list[JalaliMonth]) -> dict:
    """Questionnaires answered, the overall index and its monthly trend, and the index per axis of
    table 5 (apps.feedback.indices) — three grouped queries."""
    answers = indices.answer_rollups_in_scope(user=user, period=period, **scope.answers_kwargs)
    axes = indices.axis_indices(answers)
    # Per question: the score total and count of each month, in one GROUP BY question.
    aggregates = {}
    for i, month in enumerate(months):
        aggregates[f"t{i}"] = Sum("total", filter=_month_q(month))
        aggregates[f"n{i}"] = Sum("count", filter=_month_q(month))
    rows = [
        {name: value or 0 for name, value in row.items()}
        for row in answers.order_by().values("question__number").annotate(**aggregates).order_by()
    ]
    monthly_index = [_mean([r[f"t{i}"] / r[f"n{i}"] for r in rows if r[f"n{i}"]]) for i in range(len(months))]
    # The months cover the period, so the period's index is the mean of each question's whole mean.
    whole = []
    for r in rows:
        count = sum(r[f"n{i}"] for i in range(len(months)))
        if count:
            whole.append(math.fsum(r[f"t{i}"] or 0 for i in range(len(months))) / count)
    counts = (
        _survey_days(user=user, scope=scope, period=period)
        .order_by()
        .aggregate(
            total=Sum("count"),
            suggestions=Sum("suggestions"),
            **{f"n{i}": Sum("count", filter=_month_q(m)) for i, m in enumerate(months)},
        )
    )
    counts = {name: value or 0 for name, value in counts.items()}
    return {
        "axes": axes,
        "index": _mean(whole),
        "responses": counts["total"],
        "suggestion_count": counts["suggestions"],
        "months": [(counts[f"n{i}"], monthly_index[i]) for i in range(len(months))],
    }


def dashboard_suggestions(
    *, user, scope: DashboardScope, period, limit: int = SUGGESTIONS_SHOWN
) -> list[SurveyResponse]:
    """The suggestions citizens wrote in the questionnaires of the scope and period, newest first,
    with the service and unit they are about (one query)."""
    if not scope.has_questionnaire:
        return []
    return list(
        _responses(user=user, scope=scope, period=period)
        .exclude(suggestions="")
        .select_related("service", "unit")
        .only("pk", "submitted_at", "source", "suggestions", "service__title", "service__code", "unit__name")
        .order_by("-submitted_at", "-pk")[:limit]
    )


def _lowest(qs: QuerySet[StaffRatingDay], field: str, *, min_ratings: int, limit: int) -> list[dict]:
    return list(
        qs.order_by()
        .values(field)
        .annotate(count=Sum("count"), total=Sum("total"))
        .annotate(avg=Cast("total", FloatField()) / Cast("count", FloatField()))
        .filter(count__gte=min_ratings)
        .order_by("avg", "-count", field)[:limit]
    )


def dashboard_lowest_staff(
    *, user, scope: DashboardScope, period, min_ratings: int = RANKING_MIN_RATINGS, limit: int = LOWEST_LIMIT
) -> list[Row]:
    """The employees with the lowest average of counted ratings given while they served in the scope,
    among those with at least `min_ratings` (lowest first; more ratings first on a tie)."""
    rows = _lowest(
        _ratings(user=user, scope=scope, period=period), "staff_id", min_ratings=min_ratings, limit=limit
    )
    staff = Staff.objects.select_related("unit").in_bulk([r["staff_id"] for r in rows])
    visible = set(staff_in_scope(user).filter(pk__in=list(staff)).values_list("pk", flat=True))
    return [
        Row(
            level=STAFF,
            pk=r["staff_id"],
            name=staff[r["staff_id"]].full_name,
            detail=f"{staff[r['staff_id']].post} — {staff[r['staff_id']].unit.name}",
            ratings=r["count"],
            average=_average(r["total"], r["count"]),
            linked=r["staff_id"] in visible,
        )
        for r in rows
    ]


def dashboard_lowest_units(
    *, user, scope: DashboardScope, period, min_ratings: int = RANKING_MIN_RATINGS, limit: int = LOWEST_LIMIT
) -> list[Row]:
    """The units (where the ratings were given) with the lowest average of counted ratings, among
    those with at least `min_ratings`."""
    rows = _lowest(
        _ratings(user=user, scope=scope, period=period), "unit_id", min_ratings=min_ratings, limit=limit
    )
    units = OrgUnit.objects.select_related("body").in_bulk([r["unit_id"] for r in rows])
    visible = set(units_in_scope(user).filter(pk__in=list(units)).values_list("pk", flat=True))
    return [
        Row(
            level=UNIT,
            pk=r["unit_id"],
            name=units[r["unit_id"]].name,
            detail=units[r["unit_id"]].body.name,
            ratings=r["count"],
            average=_average(r["total"], r["count"]),
            linked=r["unit_id"] in visible,
        )
        for r in rows
    ]


_CHILD_FIELD = {PROVINCE: "province_id", BODY: "body_id", UNIT: "unit_id", STAFF: "staff_id"}


def dashboard_children(*, user, scope: DashboardScope, period, include_staff: bool = True) -> list[Row]:
    """The parts of the scope one level down — provinces of the country, bodies of a province, units
    of a body, employees of a unit — with their ratings and (not for employees) questionnaire figures,
    by name. Only parts with a rating or a questionnaire in the period appear."""
    level = CHILD_LEVEL.get(scope.level)
    if level is None or (level == STAFF and not include_staff):
        return []
    field = _CHILD_FIELD[level]
    figures: dict = defaultdict(dict)
    for r in (
        _ratings(user=user, scope=scope, period=period)
        .order_by()
        .values(field)
        .annotate(count=Sum("count"), total=Sum("total"))
        .filter(count__gt=0)
    ):
        figures[r[field]].update(ratings=r["count"], average=_average(r["total"], r["count"]))
    if level != STAFF:
        answers = indices.answer_rollups_in_scope(
            user=user, period=period, per_unit=level != PROVINCE, **scope.answers_kwargs
        )
        per_question = defaultdict(list)
        for r in (
            answers.order_by()
            .values(field, "question__number")
            .annotate(total=Sum("total"), count=Sum("count"))
            .order_by()
        ):
            per_question[r[field]].append(r["total"] / r["count"])
        for key, values in per_question.items():
            figures[key]["index"] = _mean(values)
        for r in (
            _survey_days(user=user, scope=scope, period=period).order_by().values(field).annotate(n=Sum("count"))
        ):
            figures[r[field]]["responses"] = r["n"]
    model = {PROVINCE: Province, BODY: Body, UNIT: OrgUnit, STAFF: Staff}[level]
    related = {UNIT: ("county", "province"), STAFF: ("unit",)}.get(level, ())
    objects = model.objects.select_related(*related).in_bulk([k for k in figures if k is not None])
    rows = []
    for key, values in figures.items():
        obj = objects.get(key)
        if obj is None:
            # Ratings of national headquarters carry no province.
            name, detail = str(_("Headquarters (no province)")), ""
        elif level == STAFF:
            name, detail = obj.full_name, f"{obj.post} — {obj.unit.name}"
        else:
            # The units of one body differ by where they are, not by body.
            name, detail = obj.name, obj.territory_label if level == UNIT else ""
        rows.append(Row(level=level, pk=key, name=name, detail=detail, linked=obj is not None, **values))
    rows.sort(key=lambda row: (not row.linked, row.name, row.pk or 0))
    return rows


def dashboard_get(
    *,
    user,
    scope: DashboardScope,
    period=None,
    staff_rows: bool = True,
    suggestions: int = SUGGESTIONS_SHOWN,
) -> Dashboard:
    """All the figures of one dashboard (and of its Excel file): a constant number of queries.
    `staff_rows` False leaves out every per-employee figure (the lowest-rated employees and a unit's
    employees), for roles that may not read their colleagues' ratings. `suggestions` is how many of
    the latest citizens' suggestions to read."""
    period = period or period_default()
    months = period_months(period)
    summary, rating_months = dashboard_ratings(user=user, scope=scope, period=period, months=months)
    survey = (
        dashboard_questionnaire(user=user, scope=scope, period=period, months=months)
        if scope.has_questionnaire
        else {
            "axes": [],
            "index": None,
            "responses": None,
            "suggestion_count": 0,
            "months": [(0, None)] * len(months),
        }
    )
    ranked = scope.level != STAFF
    return Dashboard(
        scope=scope,
        period=period,
        ratings=summary,
        months=[
            MonthFigures(month=m, ratings=n, rating_average=avg, responses=responses, index=index)
            for m, (n, avg), (responses, index) in zip(months, rating_months, survey["months"], strict=True)
        ],
        responses=survey["responses"],
        index=survey["index"],
        axes=survey["axes"],
        lowest_staff=dashboard_lowest_staff(user=user, scope=scope, period=period)
        if ranked and staff_rows
        else None,
        lowest_units=dashboard_lowest_units(user=user, scope=scope, period=period) if ranked else None,
        child_level=CHILD_LEVEL.get(scope.level) if staff_rows or scope.level != UNIT else None,
        children=dashboard_children(user=user, scope=scope, period=period, include_staff=staff_rows),
        suggestion_count=survey["suggestion_count"],
        suggestions=dashboard_suggestions(user=user, scope=scope, period=period, limit=suggestions)
        if survey["suggestion_count"]
        else [],
    )
