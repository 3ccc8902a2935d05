"""The figures of a periodic report (SPEC §7) for one scope and one Jalali period.

Everything is counted by the database (aggregate / values().annotate()); Python only combines the
grouped rows — a few per unit at most — so memory stays flat however many requests, stages, answers
and ratings there are.

Reproducible by construction: each figure counts rows by a timestamp inside the period (a Tehran
day is the unit of time), so compiling a finished period again gives the same figures:
- requests received / answered / delivered: by received_at / answered_at / delivered_at in the period;
- on time: among the requests answered in the period, answered_at <= promised_at (the receipt's date);
- stage lateness: stages finished in the period, late when finished_at > due_at; stages still open at
  the end of the period (handed over before it, finished after it or not yet) and past due then;
- questionnaire indices: answers submitted in the period; staff ratings: ratings given in the period,
  flagged (held) ratings left out;
- audit scores: the last verified version of each form of the rounds whose bimonth ends in the
  period (frozen at verification, so reopening a form does not move a compiled figure);
- channel shares count the catalog as it stood on the period's last day (apps.catalog.selectors.
  service_states_on): the services then in the catalog and offered, with the channel and type they
  had that day, so a service added or moved to another channel later does not change a past report.
- people's communication cases (case_figures): registered by created_at in the period at desks of
  the territory; judged on time once, in the period their due_at falls in (closed_at <= due_at, a case
  still open or closed later is late), and counted for the unit handling them (Case.handling_unit) —
  the one figure a later move can change is which unit an open case is counted for, if it is referred
  again; closed / rated / objected by closed_at / rated_at / objected_at; referrals by the timeline
  line's time; ideas accepted / implemented by reviewed_at / result_at.
Averages are computed from exact sums and counts (integers, durations), so no float summation order
can change a figure between two runs.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from apps.cases.models import Case, CaseEvent, CaseResponse, CaseType, IdeaReview
from apps.catalog.models import Channel, ServiceType
from apps.catalog.selectors import service_states_on
from apps.core.jalali import Period
from apps.core.text import to_persian_digits
from apps.desk.models import RequestDay, RequestStage
from apps.desk.rollups import COUNTERS as REQUEST_COUNTERS
from apps.feedback.indices import answer_rollups_in_scope
from apps.feedback.models import SCALE_MIN, StaffRatingDay, SurveyDay
from apps.feedback.ratings import SCORES, RatingSummary
from apps.feedback.rollups import day_of
from apps.orgs.models import Body, County, OrgUnit
from apps.reports.scopes import Scope

# Bumped whenever the shape of the snapshot changes, so templates can tell old snapshots apart.
# 2: people's communication cases ("cases", the case terms of the ranking, cases per province).
SCHEMA = 2

# How many rows a "per stage" / "per unit" list keeps (the worst first); the ranking keeps more.
TOP_ROWS = 15
RANKING_ROWS = 50


@dataclass(frozen=True)
class Component:
    key: str
    weight: int  # percent
    label: str  # Persian, as printed
    definition: str


# THE ranking formula (seed 001 item 14, seed 003 §11). Every report prints the text built from this
# constant, and stores it with its figures, so a report always shows the formula it was ranked with.
RANKING_FORMULA: tuple[Component, ...] = (
    # The first four keep the proportions 40 : 30 : 20 : 10 they had before the audit score and the
    # cases joined, so a unit or body without a verified audit form or cases is scored exactly as
    # before (missing terms are left out and the rest scaled up, see ranking_score).
    Component(
        "on_time_rate",
        32,
        "نرخ پاسخ به‌موقع",
        "درصد درخواست‌های پاسخ‌داده‌شده در دوره که پاسخ آن‌ها تا تاریخ وعده‌داده‌شده در رسید آماده شده است",
    ),
    Component(
        "satisfaction",
        24,
        "شاخص رضایت ارباب رجوع",
        "شاخص کلی پرسشنامه سنجش رضایت (۰ تا ۱۰۰؛ میانگین شاخص پرسش‌ها، پرسش‌های معکوس وارونه شمرده می‌شوند)",
    ),
    Component(
        "staff_rating",
        16,
        "امتیاز کارکنان",
        "میانگین امتیاز کارکنان با کد QR (۱ تا ۵، بدون امتیازهای در انتظار بررسی) در مقیاس ۰ تا ۱۰۰: (میانگین − ۱) × ۲۵",
    ),
    Component(
        "electronic_share",
        8,
        "سهم الکترونیکی",
        "درصد درخواست‌های دریافتی دوره که از میز خدمت الکترونیکی ثبت شده‌اند",
    ),
    Component(
        "audit",
        10,
        "امتیاز ممیزی میز خدمت",
        "امتیاز کلی فرم‌های ممیزی تأییدشده (پیوست ۲، ۰ تا ۱۰۰، با فرمول چاپ‌شده روی فرم) در دورهای دوماهه‌ای "
        "که در این دوره پایان یافته‌اند؛ برای دستگاه میانگین فرم‌های واحدهای آن، برای واحد فرم ستاد یا "
        "واحد استانی‌ای که میز خدمت زیر آن است",
    ),
    # People's communication cases (seed 003 §11: the charter's cases count in the ranking): 10 % in
    # all, the handling unit's timeliness and the applicants' rating of the handling.
    Component(
        "case_on_time",
        6,
        "نرخ رسیدگی به‌موقع موارد",
        "درصد موارد ارتباطات مردمی (هر هفت نوع) که موعد پاسخ آن‌ها در دوره بوده و تا آن موعد بسته شده‌اند؛ "
        "موردِ هنوز باز یا دیرتر بسته‌شده دیرکرد است؛ هر مورد به نام واحد رسیدگی‌کننده آن (و دستگاه آن واحد) "
        "شمرده می‌شود",
    ),
    Component(
        "case_rating",
        4,
        "رضایت از رسیدگی به موارد",
        "میانگین امتیاز متقاضیان به رسیدگی موارد بسته‌شده (۱ تا ۵، امتیازهای داده‌شده در دوره) در مقیاس "
        "۰ تا ۱۰۰: (میانگین − ۱) × ۲۵؛ به نام واحد رسیدگی‌کننده",
    ),
)
RANKING_RULES = (
    "جزئی که در دوره داده‌ای ندارد کنار گذاشته می‌شود و وزن بقیه به نسبت تا ۱۰۰٪ بالا برده می‌شود. "
    "تنها واحدها و دستگاه‌هایی رتبه می‌گیرند که در دوره دست‌کم یک درخواست را پاسخ داده‌اند یا موعد پاسخ "
    "دست‌کم یک مورد ارتباطات مردمیِ در دست رسیدگی آن‌ها در دوره بوده است؛ "
    "در امتیاز برابر، نرخ پاسخ به‌موقع بالاتر جلوتر است."
)


def ranking_formula() -> dict:
    """The formula as printed: one line, each term's definition and the rules, plus the weights."""
    line = " + ".join(f"{to_persian_digits(str(c.weight))}٪ × {c.label}" for c in RANKING_FORMULA)
    return {
        "text": f"امتیاز = {line}",
        "terms": [{"label": c.label, "definition": c.definition} for c in RANKING_FORMULA],
        "rules": RANKING_RULES,
        "weights": {c.key: c.weight for c in RANKING_FORMULA},
    }


def ranking_score(components: dict[str, float | None]) -> float | None:
    """The weighted score of one unit or body (0–100); components without data are left out and the
    other weights scaled up. None when no component has data."""
    present = [(c.weight, components[c.key]) for c in RANKING_FORMULA if components.get(c.key) is not None]
    total_weight = sum(weight for weight, _value in present)
    if not total_weight:
        return None
    return math.fsum(weight * value for weight, value in present) / total_weight


# --- helpers ----------------------------------------------------------------------------------------


def r1(value: float | None) -> float | None:
    """One decimal: what every report prints, and what makes two compilations compare equal."""
    return None if value is None else round(value, 1)


def pct(part: int, whole: int) -> float | None:
    return r1(100 * part / whole) if whole else None


def _hours(total: dt.timedelta | None, count: int) -> float | None:
    if not count or total is None:
        return None
    return r1(total.total_seconds() / 3600 / count)


def _in(field: str, start, end) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- requests -----------------------------------------------------------------------------------------


def _request_sums() -> dict:
    return {name: Coalesce(Sum(name), 0) for name in REQUEST_COUNTERS}


def _request_days(scope: Scope, start, end):
    """The daily request rows of the territory's units for the days of the period (apps.desk.rollups:
    each moment on its own day, on time when answered by the promised date)."""
    return RequestDay.objects.filter(scope.unit_q(), _days(start, end))


def _request_block(row: dict) -> dict:
    return {
        "received": row["received"],
        "answered": row["answered"],
        "delivered": row["delivered"],
        "on_time": row["on_time"],
        "late": row["answered"] - row["on_time"],
        "on_time_rate": pct(row["on_time"], row["answered"]),
        "online": row["online"],
        "electronic_share": pct(row["online"], row["received"]),
    }


def request_figures(scope: Scope, start, end) -> dict:
    """Received / answered / delivered / on time in the period (one query over the daily rows)."""
    return _request_block(_request_days(scope, start, end).aggregate(**_request_sums()))


# --- stages ---------------------------------------------------------------------------------------------

_LATENESS = ExpressionWrapper(F("finished_at") - F("due_at"), output_field=DurationField())


def _stage_counts(start, end) -> dict:
    finished = _in("finished_at", start, end)
    late = finished & Q(finished_at__gt=F("due_at"))
    return {
        "finished": Count("pk", filter=finished),
        "late": Count("pk", filter=late),
        "late_total": Sum(_LATENESS, filter=late),
        # Still in a unit's inbox when the period ended, and already past due then.
        "open_overdue": Count(
            "pk",
            filter=Q(handed_over_at__lt=end, due_at__lt=end)
            & (Q(finished_at__isnull=True) | Q(finished_at__gte=end)),
        ),
    }


def _stage_block(row: dict) -> dict:
    return {
        "finished": row["finished"],
        "late": row["late"],
        "late_rate": pct(row["late"], row["finished"]),
        "avg_late_hours": _hours(row["late_total"], row["late"]),
        "open_overdue": row["open_overdue"],
    }


def stage_figures(scope: Scope, start, end) -> dict:
    """Lateness of the stages worked in the territory: totals, per stage title and per unit (three
    grouped queries, the worst TOP_ROWS of each list)."""
    qs = RequestStage.objects.filter(scope.unit_q(), due_at__isnull=False).filter(
        _in("finished_at", start, end)
        | Q(handed_over_at__lt=end, due_at__lt=end, finished_at__isnull=True)
        | Q(handed_over_at__lt=end, due_at__lt=end, finished_at__gte=end)
    )
    counts = _stage_counts(start, end)
    totals = _stage_block(qs.aggregate(**counts))
    worst = ("-late", "-open_overdue", "-finished")
    by_title = qs.order_by().values("title").annotate(**counts).order_by(*worst, "title")[:TOP_ROWS]
    by_unit = (
        qs.order_by()
        .values("unit_id", "unit__name", "unit__body__name_fa")
        .annotate(**counts)
        .order_by(*worst, "unit__name", "unit_id")[:TOP_ROWS]
    )
    return {
        **totals,
        "by_title": [{"title": row["title"], **_stage_block(row)} for row in by_title],
        "by_unit": [
            {
                "id": row["unit_id"],
                "name": row["unit__name"],
                "body": row["unit__body__name_fa"],
                **_stage_block(row),
            }
            for row in by_unit
        ],
    }


# --- catalog ---------------------------------------------------------------------------------------------


# Annex 2 §1 totals over rows with `channel` and `service_type` (catalog states of a day, or audit
# form rows): a all, b in person, c electronic, d hybrid, e outside, and G2C / G2B.
CHANNEL_COUNTS = {
    "total": Count("pk"),
    "in_person": Count("pk", filter=Q(channel=Channel.IN_PERSON)),
    "electronic": Count("pk", filter=Q(channel=Channel.ELECTRONIC)),
    "hybrid": Count("pk", filter=Q(channel=Channel.HYBRID)),
    "outside": Count("pk", filter=Q(channel=Channel.OUTSIDE)),
    "g2c": Count("pk", filter=Q(service_type=ServiceType.G2C)),
    "g2b": Count("pk", filter=Q(service_type=ServiceType.G2B)),
}


def channel_counts(services) -> dict:
    """CHANNEL_COUNTS of a queryset, with the shares and the two ratios (one query)."""
    return channel_block(services.aggregate(**CHANNEL_COUNTS))


def channel_block(row: dict) -> dict:
    total = row["total"]
    return {
        **row,
        "in_person_share": pct(row["in_person"], total),
        "electronic_share": pct(row["electronic"], total),
        "hybrid_share": pct(row["hybrid"], total),
        "outside_share": pct(row["outside"], total),
        # The evaluator's two ratios of annex 2 §1: b / a and (c + d) / a.
        "ratio_in_person": pct(row["in_person"], total),
        "ratio_electronic": pct(row["electronic"] + row["hybrid"], total),
    }


def catalog_services(scope: Scope, day: dt.date):
    """The catalog states in force on `day` of the services of the scope's bodies."""
    return service_states_on(day, bodies=scope.bodies().values("pk"))


# --- satisfaction -------------------------------------------------------------------------------------------


def _answers(scope: Scope, period: Period, *, per_unit: bool = False):
    """The daily rollups of the territory's answers in the period (apps.feedback.rollups)."""
    where = {Scope.BODY: "body", Scope.COUNTY: "county", Scope.PROVINCE: "province"}
    kwargs = {where[scope.level]: scope.id} if scope.level in where else {}
    return answer_rollups_in_scope(period=period, per_unit=per_unit, **kwargs)


def _days(start, end) -> Q:
    """The rollup rows of the Tehran days from `start` up to `end` (both Tehran midnights)."""
    return Q(day__gte=day_of(start), day__lt=day_of(end))


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def satisfaction_figures(scope: Scope, period: Period, start, end) -> dict:
    """Per question, per axis (table 5 and annex 2 §6) and overall 0–100 indices, with the rule of
    apps.feedback.indices (an axis is the mean of its questions; the overall index the mean of all
    questions), from exact per-question sums in one grouped query."""
    rows = list(
        _answers(scope, period)
        .order_by()
        .values(
            "question__number",
            "question__axis__order",
            "question__axis__title",
            "question__audit_axis__order",
            "question__audit_axis__title",
        )
        .annotate(total=Sum("total"), count=Sum("count"))
        .order_by("question__number", "question__axis__order", "question__audit_axis__order")
    )
    per_question: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for row in rows:
        per_question[row["question__number"]][0] += row["total"]
        per_question[row["question__number"]][1] += row["count"]
    questions = {n: total / count for n, (total, count) in per_question.items()}

    def axes(order_key: str, title_key: str) -> list[dict]:
        grouped: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            if row[order_key] is not None:
                grouped[(row[order_key], row[title_key])].append(row)
        return [
            {
                "order": order,
                "title": title,
                "index": r1(_mean([r["total"] / r["count"] for r in items])),
                "count": sum(r["count"] for r in items),
                "questions": sorted({r["question__number"] for r in items}),
            }
            for (order, title), items in sorted(grouped.items())
        ]

    responses = SurveyDay.objects.filter(scope.copied_q(), _days(start, end)).aggregate(n=Sum("count"))["n"] or 0
    return {
        "responses": responses,
        "answers": sum(r["count"] for r in rows),
        "overall": r1(_mean(list(questions.values()))),
        "questions": [{"number": n, "index": r1(questions[n])} for n in sorted(questions)],
        "axes": axes("question__axis__order", "question__axis__title"),
        "audit_axes": axes("question__audit_axis__order", "question__audit_axis__title"),
    }


def _satisfaction_by(scope: Scope, period: Period, *group: str) -> dict:
    """{group key: overall index} — the mean of question indices per unit / body / province."""
    rows = (
        _answers(scope, period, per_unit=group != ("province_id",))
        .order_by()
        .values(*group, "question__number")
        .annotate(total=Sum("total"), count=Sum("count"))
    )
    per_key: dict[tuple, list[float]] = defaultdict(list)
    for row in rows:
        per_key[tuple(row[g] for g in group)].append(row["total"] / row["count"])
    return {key[0] if len(key) == 1 else key: _mean(values) for key, values in per_key.items()}


# --- staff ratings ------------------------------------------------------------------------------------------


def _ratings(scope: Scope, start, end):
    """The daily rollups of the territory's staff ratings from `start` up to `end` (apps.feedback.rollups)."""
    return StaffRatingDay.objects.filter(scope.copied_q(has_county=False), _days(start, end))


def rating_to_100(average: float | None) -> float | None:
    return None if average is None else (average - SCALE_MIN) * 25


def rating_figures(scope: Scope, start, end) -> dict:
    """Counted ratings (held ones apart), their average 1–5 and on 0–100, and the distribution."""
    row = (
        _ratings(scope, start, end)
        .order_by()
        .aggregate(**{f"s{score}": Sum(f"s{score}") for score in SCORES}, held=Sum("held"), rejected=Sum("rejected"))
    )
    # Every flagged rating is "held" here, rejected ones too: the report counts what was kept out.
    held = (row["held"] or 0) + (row["rejected"] or 0)
    summary = RatingSummary.from_rows({score: (row[f"s{score}"] or 0, 0) for score in SCORES})
    summary = replace(summary, held=held)
    return {
        "count": summary.count,
        "held": summary.held,
        "average": summary.average,
        "index": r1(rating_to_100(summary.average)),
        "distribution": [{"score": score, "count": n, "share": share} for score, n, share in summary.bars],
    }


def _ratings_by(scope: Scope, start, end, *group: str) -> dict:
    rows = (
        _ratings(scope, start, end)
        .order_by()
        .values(*group)
        .annotate(total=Sum("total"), count=Sum("count"))
        .filter(count__gt=0)
    )
    return {
        (row[group[0]] if len(group) == 1 else tuple(row[g] for g in group)): rating_to_100(
            row["total"] / row["count"]
        )
        for row in rows
    }


# --- people's communication cases ------------------------------------------------------------------------------


def _cases_registered(scope: Scope, start, end):
    """Cases registered in the period at desks of the territory (Case.unit, like a request's desk)."""
    return Case.objects.filter(scope.unit_q(), _in("created_at", start, end)).order_by()


def _cases_handled(scope: Scope, start, end):
    """Cases handled by units of the territory (Case.handling_unit, who answers for them) with a due
    time, a closure or a rating in the period."""
    return (
        Case.objects.filter(scope.unit_q("handling_unit__"))
        .filter(_in("due_at", start, end) | _in("closed_at", start, end) | _in("rated_at", start, end))
        .order_by()
    )


def _case_handling_counts(start, end) -> dict:
    # On time is judged once per case, in the period its due time falls in: closed by then, else late
    # (still open, or closed after it). A case closed after the period stays late when compiled again.
    due = _in("due_at", start, end)
    rated = _in("rated_at", start, end)
    return {
        "due": Count("pk", filter=due),
        "on_time": Count("pk", filter=due & Q(closed_at__lte=F("due_at"))),
        "open_overdue": Count("pk", filter=due & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))),
        "closed": Count("pk", filter=_in("closed_at", start, end)),
        "rated": Count("pk", filter=rated & Q(rating__isnull=False)),
        "rating_total": Sum("rating", filter=rated),
    }


def _case_handling_block(row: dict) -> dict:
    average = r1(row["rating_total"] / row["rated"]) if row["rated"] else None
    return {
        "due": row["due"],
        "on_time": row["on_time"],
        "late": row["due"] - row["on_time"],
        "open_overdue": row["open_overdue"],
        "on_time_rate": pct(row["on_time"], row["due"]),
        "closed": row["closed"],
        "rated": row["rated"],
        "rating_average": average,
        "rating_index": r1(rating_to_100(row["rating_total"] / row["rated"])) if row["rated"] else None,
    }


def _choice_rows(row: dict, prefix: str, names: dict) -> list[dict]:
    return [{"key": key, "name": name, "count": row[f"{prefix}{key}"]} for key, name in names.items()]


def _grouped(qs, key: str, *, names: dict | None = None, model=None, limit: int | None = TOP_ROWS) -> list[dict]:
    """[{key, name, count}] of one grouped count, the most first (the first `limit`). Grouped on the key
    alone; the names come from `names`, or from `model`'s name_fa for the rows kept (one small query)."""
    rows = qs.values(key).annotate(count=Count("pk")).order_by("-count", key)
    rows = list(rows[:limit] if limit else rows)
    if model is not None:
        names = dict(
            model.objects.filter(pk__in=[r[key] for r in rows if r[key] is not None]).values_list("pk", "name_fa")
        )
    return [{"key": row[key], "name": (names or {}).get(row[key], row[key]), "count": row["count"]} for row in rows]


def handled_case_rows(scope: Scope, start, end) -> list[dict]:
    """The handling counts of the territory's cases per handling unit and type (one grouped query,
    a few rows per unit): the cases block, the ranking and the provinces are all summed from it, so
    the case table is read once per compilation for them."""
    # Grouped on the case table's own columns (a hash aggregate, no join per case); the few thousand
    # units are named by a second query.
    rows = list(
        _cases_handled(scope, start, end).values("handling_unit_id", "type").annotate(**_case_handling_counts(start, end))
    )
    units = {
        pk: {
            "handling_unit__name": name,
            "handling_unit__body_id": body,
            "handling_unit__body__name_fa": body_name,
            "handling_unit__province_id": province,
        }
        for pk, name, body, body_name, province in OrgUnit.objects.filter(
            pk__in={row["handling_unit_id"] for row in rows}
        ).values_list("pk", "name", "body_id", "body__name_fa", "province_id")
    }
    return [row | units[row["handling_unit_id"]] for row in rows]


def _sum_by(rows: list[dict], key: str) -> dict:
    """{row[key]: summed counts} of handled_case_rows."""
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return {k: _summed(items) for k, items in grouped.items()}


def case_figures(scope: Scope, start, end, *, handled: list[dict] | None = None) -> dict:
    """The cases of SPEC §8 in a report (issue 12): registered by type, level, channel, body and
    county; handled (by the territory's units) on time and rated; referrals and their outcomes;
    complaints per body and per official's post; objections; ideas accepted and implemented. A dozen
    grouped queries whatever the number of cases."""
    from apps.reports import text

    registered = _cases_registered(scope, start, end)
    complaints = registered.filter(type=CaseType.COMPLAINT)
    counts = {"total": Count("pk")}
    for prefix, field, names in (
        ("type_", "type", text.CASE_TYPES_FA),
        ("level_", "level", text.CASE_LEVELS_FA),
        ("channel_", "channel", text.CASE_CHANNELS_FA),
    ):
        counts |= {f"{prefix}{key}": Count("pk", filter=Q(**{field: key})) for key in names}
    row = registered.aggregate(**counts)
    handled = handled_case_rows(scope, start, end) if handled is None else handled
    by_type_handling = _sum_by(handled, "type")
    by_type = [
        {**item, **_case_handling_block(by_type_handling.get(item["key"]) or _NO_CASES)}
        for item in _choice_rows(row, "type_", text.CASE_TYPES_FA)
    ]
    names = {r["handling_unit_id"]: (r["handling_unit__name"], r["handling_unit__body__name_fa"]) for r in handled}
    by_unit = sorted(
        _sum_by(handled, "handling_unit_id").items(),
        key=lambda item: (-item[1]["due"], -item[1]["closed"], names[item[0]][0], item[0]),
    )[:TOP_ROWS]

    referrals = CaseEvent.objects.filter(
        scope.unit_q("from_unit__"), _in("at", start, end), kind=CaseEvent.Kind.REFERRED
    ).order_by()
    # The outcome of each referred case's last response (an anti-join: no later response exists),
    # and the referred cases with no response yet.
    later = CaseResponse.objects.filter(case=OuterRef("case")).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    )
    outcomes = {
        r["outcome"]: r["count"]
        for r in CaseResponse.objects.filter(case_id__in=referrals.values("case_id"))
        .exclude(Exists(later))
        .order_by()
        .values("outcome")
        .annotate(count=Count("pk"))
    }
    outcomes[None] = referrals.aggregate(cases=Count("case_id", distinct=True))["cases"] - sum(outcomes.values())
    objections = Case.objects.filter(scope.unit_q(), _in("objected_at", start, end)).count()
    ideas = IdeaReview.objects.filter(scope.unit_q("case__unit__")).aggregate(
        accepted=Count(
            "pk",
            filter=_in("reviewed_at", start, end)
            & Q(state__in=(IdeaReview.State.REFERRED, IdeaReview.State.REVIEWED)),
        ),
        implemented=Count(
            "pk", filter=_in("result_at", start, end) & Q(result=IdeaReview.Result.IMPLEMENTED)
        ),
    )
    referral_rows = _grouped(referrals, "referral_kind", names=text.REFERRAL_KINDS_FA, limit=None)

    return {
        "registered": row["total"],
        **_case_handling_block(_summed(by_type_handling.values())),
        "by_type": by_type,
        "by_level": _choice_rows(row, "level_", text.CASE_LEVELS_FA),
        "by_channel": _choice_rows(row, "channel_", text.CASE_CHANNELS_FA),
        "by_body": _grouped(registered, "body_id", model=Body),
        "by_county": [
            {**r, "name": r["name"] or "واحدهای استانی و ستادی (بدون شهرستان)"}
            for r in _grouped(registered, "unit__county_id", model=County)
        ],
        "by_unit": [
            {"id": pk, "name": names[pk][0], "body": names[pk][1], **_case_handling_block(r)} for pk, r in by_unit
        ],
        "referrals": sum(r["count"] for r in referral_rows),
        "referrals_by_kind": referral_rows,
        "referral_outcomes": [
            {"key": key, "name": name, "count": outcomes.get(key, 0)}
            for key, name in text.CASE_OUTCOMES_FA.items()
        ],
        "complaints": row["type_complaint"],
        "complaints_by_body": _grouped(complaints, "complained_body_id", model=Body),
        "complaints_by_post": _grouped(complaints, "official__post_kind", names=text.POST_KINDS_FA, limit=None),
        "objections": objections,
        "ideas": row["type_idea"],
        "ideas_accepted": ideas["accepted"],
        "ideas_implemented": ideas["implemented"],
    }


_NO_CASES = {"due": 0, "on_time": 0, "open_overdue": 0, "closed": 0, "rated": 0, "rating_total": None}


def _summed(rows) -> dict:
    """The counts of _case_handling_counts added up over grouped rows (exact integers)."""
    total = dict(_NO_CASES, rating_total=0)
    for row in rows:
        for key in total:
            total[key] += row[key] or 0
    return total


def _case_components(rows: dict) -> dict:
    """{key: (cases due, on-time rate, rating 0–100)} from {key: counts}."""
    return {
        key: (
            row["due"],
            pct(row["on_time"], row["due"]),
            rating_to_100(row["rating_total"] / row["rated"]) if row["rated"] else None,
        )
        for key, row in rows.items()
    }


def _case_components_of_units_and_bodies(handled: list[dict]) -> tuple[dict, dict]:
    """The case terms of the ranking per handling unit and per body of that unit, summed from the
    exact counts of handled_case_rows."""
    return (
        _case_components(_sum_by(handled, "handling_unit_id")),
        _case_components(_sum_by(handled, "handling_unit__body_id")),
    )


# --- ranking --------------------------------------------------------------------------------------------------


def _rank(rows: list[dict]) -> list[dict]:
    """Score, sort and number rows that carry the components of RANKING_FORMULA (the best first)."""
    for row in rows:
        row["score"] = r1(ranking_score(row))
        for c in RANKING_FORMULA:
            row[c.key] = r1(row[c.key])
    rows = [
        row for row in rows if row["score"] is not None and (row["answered"] > 0 or row.get("cases_due", 0) > 0)
    ]
    rows.sort(key=lambda r: (-r["score"], -(r["on_time_rate"] or 0), r["name"], r["id"]))
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows


def audit_rounds_in(period: Period) -> list[int]:
    """The bimonths (audit rounds) of the period's year that end inside the period."""
    return [n for n in range(1, 7) if period.start <= Period(period.year, "B", n).end <= period.end]


def audit_scores(scope: Scope, period: Period) -> tuple[dict[int, float], dict[str, float]]:
    """({body id: mean audit score}, {audited unit path: mean audit score}) of the last verified
    version of each form in scope of the rounds ending in the period (two grouped queries)."""
    from apps.audits.models import AuditFormVersion

    numbers = audit_rounds_in(period)
    if not numbers:
        return {}, {}
    last = AuditFormVersion.objects.filter(form=OuterRef("form")).order_by("-number").values("number")[:1]
    versions = AuditFormVersion.objects.filter(
        scope.unit_q("form__unit__"),
        form__round__year=period.year,
        form__round__number__in=numbers,
        score__isnull=False,
        number=Subquery(last),
    ).order_by()
    by_body = {
        row["form__body_id"]: row["total"] / row["n"]
        for row in versions.values("form__body_id").annotate(total=Sum("score"), n=Count("pk"))
    }
    by_unit = {
        row["form__unit__path"]: row["total"] / row["n"]
        for row in versions.values("form__unit__path").annotate(total=Sum("score"), n=Count("pk"))
    }
    return by_body, by_unit


def _audited_owner(path: str, audited: dict[str, float]) -> float | None:
    """The score of the nearest audited unit at or above a desk (the longest path that is a prefix)."""
    best = max((p for p in audited if path.startswith(p)), key=len, default=None)
    return audited[best] if best is not None else None


def _with_cases(rows: list[dict], cases: dict, names: dict) -> list[dict]:
    """Add the case terms to the rows of units or bodies, and rows for those that handled cases but
    received no request (a governor's office answering complaints). `names`: id → (name, body)."""
    by_id = {row["id"]: row for row in rows}
    for key in cases:
        if key not in by_id:
            name, body = names[key]
            by_id[key] = {
                "id": key, "name": name, "body": body, "received": 0, "answered": 0,
                "on_time_rate": None, "satisfaction": None, "staff_rating": None,
                "electronic_share": None, "audit": None,
            }
    for key, row in by_id.items():
        due, on_time_rate, rating = cases.get(key, (0, None, None))
        row.update(cases_due=due, case_on_time=on_time_rate, case_rating=rating)
    return list(by_id.values())


def ranking_figures(scope: Scope, period: Period, start, end, *, handled: list[dict] | None = None) -> dict:
    """Units (the desks that received the requests, and the units handling cases) and bodies ranked by
    RANKING_FORMULA."""
    unit_group = ("unit_id", "unit__name", "unit__body__name_fa")
    units = (
        _request_days(scope, start, end).order_by().values(*unit_group).annotate(**_request_sums())
    )
    unit_satisfaction = _satisfaction_by(scope, period, "unit_id")
    unit_ratings = _ratings_by(scope, start, end, "unit_id")
    handled = handled_case_rows(scope, start, end) if handled is None else handled
    unit_cases, body_cases = _case_components_of_units_and_bodies(handled)
    body_audit, unit_audit = audit_scores(scope, period)
    units = list(units)
    unit_ids = {row["unit_id"] for row in units}
    unit_info = (
        {
            pk: (name, body, path)
            for pk, name, body, path in OrgUnit.objects.filter(pk__in=unit_ids | set(unit_cases)).values_list(
                "pk", "name", "body__name_fa", "path"
            )
        }
        if unit_audit or set(unit_cases) - unit_ids
        else {}
    )
    unit_rows = [
        {
            "id": row["unit_id"],
            "name": row["unit__name"],
            "body": row["unit__body__name_fa"],
            "received": row["received"],
            "answered": row["answered"],
            "on_time_rate": pct(row["on_time"], row["answered"]),
            "satisfaction": unit_satisfaction.get(row["unit_id"]),
            "staff_rating": unit_ratings.get(row["unit_id"]),
            "electronic_share": pct(row["online"], row["received"]),
            "audit": None,
        }
        for row in units
    ]
    unit_rows = _with_cases(unit_rows, unit_cases, {pk: info[:2] for pk, info in unit_info.items()})
    for row in unit_rows:
        row["satisfaction"] = unit_satisfaction.get(row["id"])
        row["staff_rating"] = unit_ratings.get(row["id"])
        row["audit"] = _audited_owner(unit_info[row["id"]][2], unit_audit) if unit_audit else None
    bodies = (
        _request_days(scope, start, end)
        .order_by()
        .values("unit__body_id", "unit__body__name_fa")
        .annotate(**_request_sums())
    )
    body_satisfaction = _satisfaction_by(scope, period, "body_id")
    body_ratings = _ratings_by(scope, start, end, "body_id")
    body_rows = [
        {
            "id": row["unit__body_id"],
            "name": row["unit__body__name_fa"],
            "body": "",
            "received": row["received"],
            "answered": row["answered"],
            "on_time_rate": pct(row["on_time"], row["answered"]),
            "satisfaction": None,
            "staff_rating": None,
            "electronic_share": pct(row["online"], row["received"]),
            "audit": None,
        }
        for row in bodies
    ]
    body_names = {}
    if set(body_cases) - {row["id"] for row in body_rows}:
        body_names = {
            pk: (name, "")
            for pk, name in Body.objects.filter(pk__in=list(body_cases)).values_list("pk", "name_fa")
        }
    body_rows = _with_cases(body_rows, body_cases, body_names)
    for row in body_rows:
        row["satisfaction"] = body_satisfaction.get(row["id"])
        row["staff_rating"] = body_ratings.get(row["id"])
        row["audit"] = body_audit.get(row["id"])
    ranked_units, ranked_bodies = _rank(unit_rows), _rank(body_rows)
    return {
        "formula": ranking_formula(),
        "units": ranked_units[:RANKING_ROWS],
        "units_ranked": len(ranked_units),
        "bodies": ranked_bodies[:RANKING_ROWS],
        "bodies_ranked": len(ranked_bodies),
    }


def on_time_by_unit(ranking: dict) -> list[dict]:
    """The desks with the most answered requests and their on-time rate, for the bar chart."""
    answered = [r for r in ranking["units"] if r["answered"]]
    rows = sorted(answered, key=lambda r: (-r["answered"], r["name"], r["id"]))[:TOP_ROWS]
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "body": r["body"],
            "answered": r["answered"],
            "on_time_rate": r["on_time_rate"],
        }
        for r in rows
    ]


def province_figures(start, end, period: Period, *, handled: list[dict] | None = None) -> list[dict]:
    """For the national compilation: each province's requests, on-time rate, satisfaction and
    staff rating (the national HQs, which have no province, are left out)."""
    national = Scope(Scope.NATIONAL)
    rows = (
        _request_days(national, start, end)
        .filter(unit__province__isnull=False)
        .order_by()
        .values("unit__province_id", "unit__province__name_fa", "unit__province__code")
        .annotate(**_request_sums())
        .order_by("unit__province__code")
    )
    satisfaction = _satisfaction_by(national, period, "province_id")
    ratings = _ratings_by(national, start, end, "province_id")
    cases = dict(
        _cases_registered(national, start, end)
        .values("unit__province_id")
        .annotate(count=Count("pk"))
        .values_list("unit__province_id", "count")
    )
    handled = handled_case_rows(national, start, end) if handled is None else handled
    case_on_time = _case_components(_sum_by(handled, "handling_unit__province_id"))
    return [
        {
            "id": row["unit__province_id"],
            "name": row["unit__province__name_fa"],
            **_request_block(row),
            "satisfaction": r1(satisfaction.get(row["unit__province_id"])),
            "staff_rating": r1(ratings.get(row["unit__province_id"])),
            "cases": cases.get(row["unit__province_id"], 0),
            "case_on_time_rate": case_on_time.get(row["unit__province_id"], (0, None, None))[1],
        }
        for row in rows
    ]


# --- the whole report --------------------------------------------------------------------------------------------


def report_figures(
    *, scope: Scope, period: Period, kind: str = "", progress: Callable[[int], None] | None = None
) -> dict:
    """The frozen figures of a performance report (quarterly or six-monthly) as plain JSON data."""
    from apps.reports import annex3

    def step(value: int) -> None:
        if progress:
            progress(value)

    start, end = period.bounds()
    figures = {
        "schema": SCHEMA,
        "kind": kind,
        "period": str(period),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": {"level": scope.level, "id": scope.id, "name": scope.name()},
    }
    figures["requests"] = request_figures(scope, start, end)
    step(15)
    figures["stages"] = stage_figures(scope, start, end)
    step(30)
    figures["channels"] = channel_counts(catalog_services(scope, period.end))
    figures["satisfaction"] = satisfaction_figures(scope, period, start, end)
    step(45)
    figures["ratings"] = rating_figures(scope, start, end)
    step(55)
    handled = handled_case_rows(scope, start, end)
    figures["cases"] = case_figures(scope, start, end, handled=handled)
    step(60)
    figures["ranking"] = ranking_figures(scope, period, start, end, handled=handled)
    figures["on_time_by_unit"] = on_time_by_unit(figures["ranking"])
    step(65)
    national = scope.level == Scope.NATIONAL
    figures["provinces"] = province_figures(start, end, period, handled=handled) if national else []
    figures["audit"] = annex3.audit_summary(scope=scope, period=period)
    step(70)
    return figures
