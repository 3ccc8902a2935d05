"""Daily rollups of ratings and questionnaires (apps.feedback.models StaffRatingDay, AnswerDay,
AnswerProvinceDay, SurveyDay): kept on write, rebuilt from the raw rows on demand.

Kept on write: every service that adds a rating or a questionnaire, or changes whether a rating counts
(held in a burst, accepted, rejected), calls one of the functions below inside its own transaction
(how a share is added: apps.core.rollups).

Rebuilt: `rollups_rebuild` replaces the rows of a range of days by one INSERT … SELECT … GROUP BY per
table over the raw rows, so the database does the work whatever the number of ratings.

What counts is the rule of apps.feedback.ratings: a rating that is not flagged counts; a flagged one
is held while it waits for review and rejected once reviewed. A rating's day is its Tehran date.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from apps.core.rollups import (
    UPSERT_ATTEMPTS,
    day_of,
    grouped,
    in_days,
    insert_select,
    raw_in,
    rollup_add,
    rollup_rows,
)
from apps.feedback.models import (
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    AnswerDay,
    AnswerProvinceDay,
    StaffRating,
    StaffRatingDay,
    SurveyDay,
    SurveyResponse,
)

SCORE_FIELDS = {score: f"s{score}" for score in range(SCALE_MIN, SCALE_MAX + 1)}
ROLLUPS = (StaffRatingDay, AnswerDay, AnswerProvinceDay, SurveyDay)


# --- staff ratings ---------------------------------------------------------------------------------------------


def rating_share(*, score: int, flagged: bool, reviewed: bool) -> Counter:
    """What one rating adds to its day's row: counted (with its score), held, or rejected."""
    if not flagged:
        return Counter({"count": 1, "total": score, SCORE_FIELDS[score]: 1})
    return Counter({"rejected" if reviewed else "held": 1})


RATING_FIELDS = ("created_at", "staff_id", "unit_id", "body_id", "province_id", "score")


def ratings_rollup_move(ratings: Iterable, *, before: dict | None, after: dict | None) -> None:
    """Move ratings (StaffRating objects or values() dicts with RATING_FIELDS) from the state `before`
    to the state `after` in their days' rows; each state is {"flagged": …, "reviewed": …}, None for a
    rating that did not exist (or no longer does)."""
    deltas: dict[tuple, Counter] = defaultdict(Counter)
    copies = {}
    for rating in ratings:
        get = rating.get if isinstance(rating, dict) else lambda name, r=rating: getattr(r, name)
        key = (day_of(get("created_at")), get("staff_id"), get("unit_id"))
        copies[key] = {"body_id": get("body_id"), "province_id": get("province_id")}
        if after is not None:
            deltas[key].update(rating_share(score=get("score"), **after))
        if before is not None:
            deltas[key].subtract(rating_share(score=get("score"), **before))
    for (day, staff_id, unit_id), delta in sorted(deltas.items()):
        rollup_add(StaffRatingDay, {"day": day, "staff_id": staff_id, "unit_id": unit_id}, dict(delta), copies[(day, staff_id, unit_id)])


def rating_rollup_add(rating: StaffRating) -> None:
    """Count a new rating in its day's row."""
    ratings_rollup_move([rating], before=None, after={"flagged": rating.flagged, "reviewed": rating.reviewed_at is not None})


# --- questionnaires ------------------------------------------------------------------------------------------


def _answersrollup_add(model, common: dict, scores: dict[int, int], copies: dict) -> None:
    """Add one answer of score `scores[question id]` to each question's row of `common` (a few queries
    for all the questions of a questionnaire, not two per question)."""
    pending = dict(scores)
    for _attempt in range(UPSERT_ATTEMPTS):
        present = set(
            model.objects.filter(**common, question_id__in=list(pending)).values_list("question_id", flat=True)
        )
        if present:
            model.objects.filter(**common, question_id__in=present).update(
                count=F("count") + 1,
                total=F("total")
                + Case(*(When(question_id=q, then=Value(pending[q])) for q in present), output_field=IntegerField()),
            )
        missing = {q: s for q, s in pending.items() if q not in present}
        if not missing:
            return
        try:
            with transaction.atomic():
                model.objects.bulk_create(
                    [model(**common, **copies, question_id=q, count=1, total=s) for q, s in missing.items()]
                )
            return
        except IntegrityError:
            pending = missing  # some were created meanwhile: add the rest to theirs
    raise RuntimeError(f"could not add to the {model._meta.model_name} rows {common}")


def answer_score_of(*, value: int, reverse_scored: bool) -> int:
    """The 0–100 score of one answer — the rule of apps.feedback.indices.answer_score, in Python."""
    step = 100 // (SCALE_MAX - SCALE_MIN)
    return (SCALE_MAX - value) * step if reverse_scored else (value - SCALE_MIN) * step


def survey_rollup_add(response: SurveyResponse) -> None:
    """Count a new questionnaire in its day's row (its answers: answers_rollup_add)."""
    key = {"day": day_of(response.submitted_at), "unit_id": response.unit_id, "service_id": response.service_id}
    copies = {"body_id": response.body_id, "province_id": response.province_id, "county_id": response.county_id}
    rollup_add(SurveyDay, key, {"count": 1, "suggestions": int(bool(response.suggestions))}, copies)


def answers_rollup_add(answers: Iterable[Answer]) -> None:
    """Count new answers (their questions loaded; at most one per question and place) in their days'
    rows: those of their unit and sub-service, and those of their province."""
    by_place: dict[tuple, dict[int, int]] = defaultdict(dict)
    by_province: dict[tuple, dict[int, int]] = defaultdict(dict)
    copies = {}
    for answer in answers:
        day = day_of(answer.submitted_at)
        score = answer_score_of(value=answer.value, reverse_scored=answer.question.reverse_scored)
        place = (day, answer.unit_id, answer.service_id)
        copies[place] = {"body_id": answer.body_id, "province_id": answer.province_id, "county_id": answer.county_id}
        by_place[place][answer.question_id] = by_place[place].get(answer.question_id, 0) + score
        by_province[(day, answer.province_id)][answer.question_id] = (
            by_province[(day, answer.province_id)].get(answer.question_id, 0) + score
        )
    for (day, unit_id, service_id), scores in sorted(by_place.items()):
        _answersrollup_add(AnswerDay, {"day": day, "unit_id": unit_id, "service_id": service_id}, scores, copies[(day, unit_id, service_id)])
    for (day, province_id), scores in sorted(by_province.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        _answersrollup_add(AnswerProvinceDay, {"day": day, "province_id": province_id}, scores, {})


# --- rebuild ---------------------------------------------------------------------------------------------------


def rollup_queries(first: dt.date | None = None, last: dt.date | None = None) -> dict:
    """{rollup model: the grouped queryset over the raw rows that rebuilds its days first … last}. Also
    what the equality check compares the kept rollups with."""
    from apps.feedback.indices import answer_points

    counted, waiting = Q(flagged=False), Q(flagged=True, reviewed_at__isnull=True)
    rating_sums = {
        "count": Count("pk", filter=counted),
        "total": Sum("score", filter=counted),
        **{name: Count("pk", filter=counted & Q(score=score)) for score, name in SCORE_FIELDS.items()},
        "held": Count("pk", filter=waiting),
        "rejected": Count("pk", filter=Q(flagged=True, reviewed_at__isnull=False)),
    }
    answer_sums = {"count": Count("pk"), "total": Sum(answer_points())}
    answers = raw_in(Answer.objects.all(), "submitted_at", first, last)
    return {
        StaffRatingDay: grouped(
            raw_in(StaffRating.objects.all(), "created_at", first, last),
            "created_at",
            {"staff": "staff_id", "unit": "unit_id"},
            {"body": "body_id", "province": "province_id"},
            rating_sums,
        ),
        AnswerDay: grouped(
            answers,
            "submitted_at",
            {"unit": "unit_id", "service": "service_id", "question": "question_id"},
            {"body": "body_id", "province": "province_id", "county": "county_id"},
            answer_sums,
        ),
        AnswerProvinceDay: grouped(
            answers, "submitted_at", {"province": "province_id", "question": "question_id"}, {}, answer_sums
        ),
        SurveyDay: grouped(
            raw_in(SurveyResponse.objects.all(), "submitted_at", first, last),
            "submitted_at",
            {"unit": "unit_id", "service": "service_id"},
            {"body": "body_id", "province": "province_id", "county": "county_id"},
            {"count": Count("pk"), "suggestions": Count("pk", filter=~Q(suggestions=""))},
        ),
    }


@transaction.atomic
def rollups_rebuild(*, first: dt.date | None = None, last: dt.date | None = None) -> dict[str, int]:
    """Replace the rollup rows of the days first … last (every day when not given) by the raw rows'
    aggregates, in one transaction (readers see the old rows until it commits). Returns the rows
    written per rollup. Running it twice gives the same rows."""
    written = {}
    for model, qs in rollup_queries(first, last).items():
        in_days(model.objects.all(), first, last).delete()
        written[model._meta.model_name] = insert_select(model, qs)
    return written


def rollup_rows_from_raw(model, first: dt.date | None = None, last: dt.date | None = None) -> set[tuple]:
    """What rollup_rows should be: the raw rows' aggregates, in the same tuple shape."""
    names = [f.name for f in model._meta.concrete_fields if f.name != "id"]
    rows = rollup_queries(first, last)[model].values(*(f"rollup_{n}" for n in names))
    return {tuple(row[f"rollup_{n}"] for n in names) for row in rows}


def rollups_differences(first: dt.date | None = None, last: dt.date | None = None) -> dict[str, int]:
    """{rollup: how many rows differ between the kept rollup and the raw rows} (zero when they agree)."""
    return {
        model._meta.model_name: len(rollup_rows(model, first, last) ^ rollup_rows_from_raw(model, first, last))
        for model in ROLLUPS
    }
