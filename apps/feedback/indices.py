"""Satisfaction indices (SPEC §5.1) on a 0–100 scale: per question, per axis and overall.

One answer scores (value − 1) × 25, so "very much" (5) is 100 and "very little" (1) is 0 — except on
the reverse-scored items (9, 11, 14, 15 of table 5: "how many times did you have to come back"),
where a high answer means low satisfaction and the score is (5 − value) × 25.

A question's index is the mean score of its answers; an axis's index is the plain mean of its
questions' indices (each question weighs the same, however many people answered it); the overall
index is the mean of all question indices. The database does the per-question averaging in one
GROUP BY over the Answer table — which carries copies of service, unit, body, county and province —
so whatever the number of answers, Python only ever sees the ~16 grouped rows.

The pages read the daily rollups of the answers instead (apps.feedback.rollups: per day, unit,
sub-service and question, and per day, province and question), from `answer_rollups_in_scope`: the
same functions accept either, and a question's index is then its rollups' score total over their
answer count — the same number as the mean of its answers.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, F, FloatField, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from apps.core.jalali import Period
from apps.core.scoping import scope_queryset
from apps.feedback.models import SCALE_MAX, SCALE_MIN, Answer, AnswerDay, AnswerProvinceDay, Axis
from apps.orgs import roles
from apps.orgs.models import OrgUnit

ROLLUPS = (AnswerDay, AnswerProvinceDay)

POINTS_PER_STEP = 100 // (SCALE_MAX - SCALE_MIN)  # 25

AXIS_RELATION = {Axis.Grouping.TABLE5: "question__axis", Axis.Grouping.ANNEX2: "question__audit_axis"}


@dataclass(frozen=True)
class QuestionIndex:
    number: int
    index: float  # 0–100
    count: int  # answers behind it


@dataclass(frozen=True)
class AxisIndex:
    order: int
    title: str
    index: float  # 0–100, the mean of its questions' indices
    questions: tuple[int, ...]  # question numbers that had answers
    count: int  # answers behind it


def answer_points():
    """The 0–100 score of one answer as an integer SQL expression (reverse-scored items turned round)."""
    return Case(
        When(question__reverse_scored=True, then=(Value(SCALE_MAX) - F("value")) * POINTS_PER_STEP),
        default=(F("value") - Value(SCALE_MIN)) * POINTS_PER_STEP,
        output_field=IntegerField(),
    )


def answer_score():
    """The 0–100 score of one answer as an SQL expression (reverse-scored items turned round)."""
    return Cast(answer_points(), FloatField())


def _grouped_scores(qs: QuerySet, *group: str):
    """`qs` (answers or their rollups) grouped by `group`, with each group's mean score (answers) or
    score total (rollups), and its count of answers."""
    if qs.model in ROLLUPS:
        return qs.order_by().values(*group).annotate(total=Sum("total"), count=Sum("count"))
    return qs.order_by().values(*group).annotate(index=Avg(answer_score()), count=Count("pk"))


def _index(row: dict) -> float:
    return row["index"] if "index" in row else row["total"] / row["count"]


def _mean(values: list[float]) -> float:
    # fsum: the exact sum, rounded once, so the result does not depend on the order of the questions.
    return math.fsum(values) / len(values)


def question_indices(qs: QuerySet[Answer]) -> dict[int, QuestionIndex]:
    """Per question number: the mean score of its answers and how many there are (one query)."""
    rows = _grouped_scores(qs, "question__number").order_by("question__number")
    return {
        row["question__number"]: QuestionIndex(number=row["question__number"], index=_index(row), count=row["count"])
        for row in rows
    }


def axis_indices(qs: QuerySet[Answer], grouping: str = Axis.Grouping.TABLE5) -> list[AxisIndex]:
    """Per axis of the grouping ("table5" or "annex2"), in axis order: the mean of its questions'
    indices (one query). Answers of several versions count together when question and axis agree."""
    relation = AXIS_RELATION[Axis.Grouping(grouping)]
    rows = _grouped_scores(
        qs.filter(**{f"{relation}__isnull": False}), "question__number", f"{relation}__order", f"{relation}__title"
    )
    per_axis: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in rows:
        row["index"] = _index(row)
        per_axis[(row[f"{relation}__order"], row[f"{relation}__title"])].append(row)
    return [
        AxisIndex(
            order=order,
            title=title,
            index=_mean([r["index"] for r in items]),
            questions=tuple(sorted(r["question__number"] for r in items)),
            count=sum(r["count"] for r in items),
        )
        for (order, title), items in sorted(per_axis.items())
    ]


def overall_index(qs: QuerySet[Answer]) -> float | None:
    """The mean of the question indices (one query); None when there is no answer."""
    questions = question_indices(qs)
    if not questions:
        return None
    return _mean([q.index for q in questions.values()])


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def answers_in_scope(
    *,
    user=None,
    service=None,
    unit: OrgUnit | int | None = None,
    body=None,
    county=None,
    province=None,
    period: Period | None = None,
    questionnaire=None,
) -> QuerySet[Answer]:
    """The answers to aggregate: narrowed to what `user` may see (when given), then by the copied
    service / unit subtree / body / county / province, the Jalali period (Tehran days, by submission
    time) and the questionnaire version. Each filter accepts an object or its id."""
    qs = Answer.objects.all()
    if user is not None:
        qs = scope_queryset(qs, user, unit_field="unit")
    qs = _where(qs, service=service, unit=unit, body=body, county=county)
    if province is not None:
        qs = qs.filter(province_id=_pk(province))
    if period is not None:
        qs = qs.filter(
            submitted_at__gte=_tehran_midnight(period.start),
            submitted_at__lt=_tehran_midnight(period.end + dt.timedelta(days=1)),
        )
    if questionnaire is not None:
        qs = qs.filter(question__questionnaire_id=_pk(questionnaire))
    return qs


def _where(qs: QuerySet, *, service, unit, body, county) -> QuerySet:
    """The copied service / unit subtree / body / county filters that raw answers and their daily
    rollups share (both carry the same columns)."""
    if service is not None:
        qs = qs.filter(service_id=_pk(service))
    if unit is not None:
        path = (
            unit.path
            if isinstance(unit, OrgUnit)
            else OrgUnit.objects.values_list("path", flat=True).get(pk=unit)
        )
        qs = qs.filter(unit__path__startswith=path)
    if body is not None:
        qs = qs.filter(body_id=_pk(body))
    if county is not None:
        qs = qs.filter(county_id=_pk(county))
    return qs


def _narrowed_to_province(user) -> bool:
    """Whether the user's area is the country or one province: what the per-province rollup can scope."""
    if user is None:
        return True
    if getattr(user, "api_key", None) is not None:
        return False
    return roles.is_national(user) or roles.has_role(user, roles.PROVINCIAL_AUDITOR)


def answer_rollups_in_scope(
    *,
    user=None,
    service=None,
    unit: OrgUnit | int | None = None,
    body=None,
    county=None,
    province=None,
    period: Period | None = None,
    questionnaire=None,
    per_unit: bool = False,
) -> QuerySet:
    """The daily rollups of the answers that answers_in_scope would give (same arguments), for the
    functions above. The country or a province, read by someone whose area is the country or a
    province, comes from the per-province rollup (a few thousand rows a year); anything narrower, or
    `per_unit` (to group by body, county or unit), from the per-unit one."""
    if not per_unit and service is None and unit is None and body is None and county is None and _narrowed_to_province(user):
        qs = AnswerProvinceDay.objects.all()
        if user is not None:
            qs = scope_queryset(qs, user, unit_field=None)
    else:
        qs = AnswerDay.objects.all()
        if user is not None:
            qs = scope_queryset(qs, user, unit_field="unit")
        qs = _where(qs, service=service, unit=unit, body=body, county=county)
    if province is not None:
        qs = qs.filter(province_id=_pk(province))
    if period is not None:
        qs = qs.filter(day__gte=period.start, day__lte=period.end)
    if questionnaire is not None:
        qs = qs.filter(question__questionnaire_id=_pk(questionnaire))
    return qs
