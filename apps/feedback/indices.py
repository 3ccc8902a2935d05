"""Satisfaction indices (SPEC §5.1) on a 0–100 scale: per question, per axis and overall.

One answer scores (value − 1) × 25, so "very much" (5) is 100 and "very little" (1) is 0 — except on
the reverse-scored items (9, 11, 14, 15 of table 5: "how many times did you have to come back"),
where a high answer means low satisfaction and the score is (5 − value) × 25.

A question's index is the mean score of its answers; an axis's index is the plain mean of its
questions' indices (each question weighs the same, however many people answered it); the overall
index is the mean of all question indices. The database does the per-question averaging in one
GROUP BY over the Answer table — which carries copies of service, unit, body, county and province —
so whatever the number of answers, Python only ever sees the ~16 grouped rows.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, F, FloatField, IntegerField, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from apps.core.jalali import Period
from apps.core.scoping import scope_queryset
from apps.feedback.models import SCALE_MAX, SCALE_MIN, Answer, Axis
from apps.orgs.models import OrgUnit

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


def _mean(values: list[float]) -> float:
    # fsum: the exact sum, rounded once, so the result does not depend on the order of the questions.
    return math.fsum(values) / len(values)


def question_indices(qs: QuerySet[Answer]) -> dict[int, QuestionIndex]:
    """Per question number: the mean score of its answers and how many there are (one query)."""
    rows = (
        qs.order_by()
        .values("question__number")
        .annotate(index=Avg(answer_score()), count=Count("pk"))
        .order_by("question__number")
    )
    return {
        row["question__number"]: QuestionIndex(
            number=row["question__number"], index=row["index"], count=row["count"]
        )
        for row in rows
    }


def axis_indices(qs: QuerySet[Answer], grouping: str = Axis.Grouping.TABLE5) -> list[AxisIndex]:
    """Per axis of the grouping ("table5" or "annex2"), in axis order: the mean of its questions'
    indices (one query). Answers of several versions count together when question and axis agree."""
    relation = AXIS_RELATION[Axis.Grouping(grouping)]
    rows = (
        qs.order_by()
        .filter(**{f"{relation}__isnull": False})
        .values("question__number", f"{relation}__order", f"{relation}__title")
        .annotate(index=Avg(answer_score()), count=Count("pk"))
    )
    per_axis: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in rows:
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
