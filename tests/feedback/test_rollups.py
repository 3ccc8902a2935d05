"""The daily rollups the dashboards read (apps.feedback.rollups): kept on every write equal to the raw
rows rolled up again, the indices and rating figures from them equal to those from the raw rows, a
rebuild that changes nothing when run twice, and dashboard pages whose query count does not grow with
the days of data."""

import datetime as dt
import random

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.feedback import dashboards as dash
from apps.feedback import indices, rollups
from apps.feedback.models import Answer, AnswerDay, StaffRating, StaffRatingDay, SurveyDay
from apps.feedback.ratings import SCORES, RatingSummary
from apps.feedback.services import staff_rating_review, staff_rating_review_many, survey_submit
from apps.orgs import roles
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    StaffQRCodeFactory,
    SubServiceFactory,
    SurveyResponseFactory,
    WorkflowStageFactory,
    answered_request,
    questionnaire_active,
    rating_submit,
    registered_request,
    staff_user,
    survey_answers,
)

pytestmark = pytest.mark.django_db(transaction=False)

TEHRAN = timezone.get_default_timezone()
DAYS = 40


def _at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """A random instant of the last DAYS days; one in five a few minutes before a Tehran midnight."""
    day = timezone.localtime(now, TEHRAN).date() - dt.timedelta(days=rng.randrange(1, DAYS))
    if rng.random() < 0.2:
        wall = dt.time(23, rng.randrange(50, 60))
    else:
        wall = dt.time(rng.randrange(0, 24), rng.randrange(0, 60))
    return dt.datetime.combine(day, wall, tzinfo=TEHRAN)


@pytest.fixture
def world():
    """Two provinces with two units of one body each and a headquarters unit (no province); a
    sub-service of each unit's body; three employees in each unit."""
    units = []
    for _ in range(2):
        province = ProvinceFactory()
        body = BodyFactory()
        units.append(OrgUnitFactory(body=body, province=province))
        units.append(OrgUnitFactory(body=body, province=province))
    units.append(OrgUnitFactory(level="hq", province=None))
    services = [SubServiceFactory(body=unit.body) for unit in units]
    for unit, service in zip(units, services, strict=True):
        WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    staff = [StaffFactory(unit=unit) for unit in units for _ in range(3)]
    codes = [StaffQRCodeFactory(staff=member) for member in staff]
    return {"units": units, "services": services, "staff": staff, "codes": codes}


def _random_activity(world, seed: int = 14) -> None:
    """About 300 ratings through the rating service (bursts held, then some accepted and some
    rejected, one by one or a burst at once) and 120 questionnaires on random days and places (all
    16 answers, random levels), a few through survey_submit itself."""
    rng = random.Random(seed)
    now = timezone.now()
    for _ in range(220):
        rating_submit(rng.choice(world["codes"]), score=rng.randint(1, 5), now=_at(rng, now))
    # Bursts: RATING_BURST_COUNT ratings of one employee within a minute each.
    for code in rng.sample(world["codes"], 6):
        start = _at(rng, now)
        for i in range(settings.RATING_BURST_COUNT + rng.randrange(3)):
            rating_submit(code, score=rng.randint(1, 5), now=start + dt.timedelta(seconds=20 * i))
    held = list(StaffRating.objects.filter(flagged=True, reviewed_at__isnull=True).order_by("pk"))
    assert len(held) >= 6 * settings.RATING_BURST_COUNT
    for rating in held[:8]:
        staff_rating_review(rating=rating, accept=rng.random() < 0.5, by=None)
    staff_ids = sorted({r.staff_id for r in held[8:]})
    staff_rating_review_many(
        ratings=StaffRating.objects.filter(staff_id=staff_ids[0]), accept=True, by=None
    )
    staff_rating_review_many(
        ratings=StaffRating.objects.filter(staff_id=staff_ids[1]), accept=False, by=None
    )

    questionnaire = questionnaire_active()
    questions = list(questionnaire.questions.all())
    # Each unit's own sub-service, and the second unit of a province also serves its neighbour's.
    places = [
        *zip(world["units"], world["services"], strict=True),
        (world["units"][1], world["services"][0]),
        (world["units"][3], world["services"][2]),
    ]
    for _ in range(112):
        unit, service = rng.choice(places)
        sr = registered_request(service=service, unit=unit, stages=1)
        response = SurveyResponseFactory(
            request=sr, submitted_at=_at(rng, now), suggestions=rng.choice(["", "", "صف کوتاه‌تر شود"])
        )
        answers = Answer.objects.bulk_create(
            Answer(
                response=response,
                question=question,
                value=rng.randint(1, 5),
                submitted_at=response.submitted_at,
                service=response.service,
                unit=response.unit,
                body=response.body,
                province=response.province,
                county=response.county,
            )
            for question in questions
            if rng.random() < 0.9
        )
        rollups.answers_rollup_add(answers)
    for _ in range(8):
        unit, service = rng.choice(places)
        answers = {number: rng.randint(1, 5) for number in survey_answers()}
        survey_submit(request=answered_request(unit=unit, service=service), answers=answers)


def _raw_summary(qs) -> RatingSummary:
    """The rating figures straight from the raw ratings (the rule of apps.feedback.ratings)."""
    rows = qs.order_by().aggregate(
        **{f"s{s}": Count("pk", filter=Q(flagged=False, score=s)) for s in SCORES},
        held=Count("pk", filter=Q(flagged=True, reviewed_at__isnull=True)),
    )
    summary = RatingSummary.from_rows({s: (rows[f"s{s}"], 0) for s in SCORES})
    return RatingSummary(summary.count, summary.average, summary.distribution, rows["held"])


def test_rollups_kept_on_write_equal_the_raw_rows_rolled_up_and_give_the_same_figures(world):
    """GIVEN random ratings (some held, accepted, rejected) and questionnaires over 40 days, five units
    WHEN the rollups kept by the services are compared with the raw rows
    THEN every rollup row agrees, and every index and rating figure read from the rollups is the one
    the raw rows give."""
    _random_activity(world)
    assert StaffRatingDay.objects.exists()
    assert AnswerDay.objects.exists()
    assert SurveyDay.objects.exists()
    assert rollups.rollups_differences() == dict.fromkeys(
        ("staffratingday", "answerday", "answerprovinceday", "surveyday"), 0
    )

    national = staff_user(roles.NATIONAL_AUDITOR, world["units"][0]).user
    period = dash.period_default(months=3)
    scopes = [
        {},
        *({"province": u.province} for u in world["units"][::2] if u.province),
        *({"unit": u} for u in world["units"]),
        {"body": world["units"][0].body},
        {"service": world["services"][0]},
    ]
    for kwargs in scopes:
        raw = indices.answers_in_scope(user=national, period=period, **kwargs)
        kept = indices.answer_rollups_in_scope(user=national, period=period, **kwargs)
        assert raw.exists(), kwargs
        assert indices.overall_index(kept) == indices.overall_index(raw), kwargs
        assert indices.question_indices(kept) == indices.question_indices(raw), kwargs
        for grouping in ("table5", "annex2"):
            assert indices.axis_indices(kept, grouping) == indices.axis_indices(raw, grouping), kwargs

    # The country's index reads the per-province rollup; a unit's the per-unit one.
    assert indices.answer_rollups_in_scope(user=national).model.__name__ == "AnswerProvinceDay"
    assert indices.answer_rollups_in_scope(user=national, unit=world["units"][0]).model is AnswerDay

    months = dash.period_months(period)
    for scope in [dash.DashboardScope(dash.NATION)] + [
        dash.DashboardScope(dash.UNIT, unit) for unit in world["units"]
    ]:
        summary, _per_month = dash.dashboard_ratings(user=national, scope=scope, period=period, months=months)
        start, end = dash.period_bounds(period)
        raw = scope.narrow(StaffRating.objects.filter(created_at__gte=start, created_at__lt=end))
        assert summary == _raw_summary(raw), scope
        assert summary.count > 0
        assert scope.level != dash.NATION or summary.held > 0


def test_rebuilding_twice_gives_the_rows_kept_on_write(world):
    """The rebuild replaces the rollups by the raw rows' aggregates; a second run changes nothing, and
    a rebuild of a few days leaves the other days as they were."""
    _random_activity(world, seed=7)
    kept = {model: rollups.rollup_rows(model) for model in rollups.ROLLUPS}
    call_command("rollups_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = {model: rollups.rollup_rows(model) for model in rollups.ROLLUPS}
    call_command("rollups_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    second = {model: rollups.rollup_rows(model) for model in rollups.ROLLUPS}
    assert first == second == kept
    assert all(first.values())

    # A rollup that drifted (edited by hand here) is caught by --check and fixed by a rebuild of its days.
    row = StaffRatingDay.objects.order_by("day").first()
    StaffRatingDay.objects.filter(pk=row.pk).update(count=row.count + 1)
    with pytest.raises(CommandError):
        call_command("rollups_rebuild", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command(
        "rollups_rebuild", "--from", row.day.isoformat(), "--to", row.day.isoformat(),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    assert {model: rollups.rollup_rows(model) for model in rollups.ROLLUPS} == kept


def test_a_held_rating_leaves_the_average_at_once_and_counts_again_when_accepted(world):
    code = world["codes"][0]
    now = timezone.now()
    for i in range(settings.RATING_BURST_COUNT - 1):
        rating_submit(code, score=5, now=now - dt.timedelta(minutes=1) + dt.timedelta(seconds=i))
    day = StaffRatingDay.objects.get(staff=code.staff)
    assert (day.count, day.s5, day.held) == (settings.RATING_BURST_COUNT - 1, settings.RATING_BURST_COUNT - 1, 0)

    last = rating_submit(code, score=1, now=now)  # the burst: every one of them is held
    day.refresh_from_db()
    assert (day.count, day.total, day.s5, day.s1, day.held) == (0, 0, 0, 0, settings.RATING_BURST_COUNT)

    staff_rating_review(rating=last, accept=True, by=None)
    staff_rating_review_many(ratings=StaffRating.objects.exclude(pk=last.pk), accept=False, by=None)
    day.refresh_from_db()
    assert (day.count, day.total, day.s1, day.held, day.rejected) == (1, 1, 1, 0, settings.RATING_BURST_COUNT - 1)


def test_a_write_that_is_rolled_back_leaves_the_rollups_as_they_were(world):
    code = world["codes"][0]
    def failing_request():
        with transaction.atomic():
            rating_submit(code, score=4)
            assert StaffRatingDay.objects.filter(staff=code.staff).exists()
            raise RuntimeError("the request failed after the rating")

    with pytest.raises(RuntimeError):
        failing_request()
    assert not StaffRatingDay.objects.exists()


def test_dashboard_pages_cost_the_same_queries_for_3_and_30_days_of_data(client, world, django_assert_num_queries):
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, world["units"][0])
    client.force_login(auditor.user)
    province = world["units"][0].province
    url = reverse("feedback:dashboard")
    params = {"level": "province", "province": province.pk}
    rng = random.Random(3)
    now = timezone.now()
    # Enough ratings on one day for every employee and unit to be ranked from the start.
    for code in world["codes"][:6]:
        for minute in range(dash.RANKING_MIN_RATINGS):
            rating_submit(code, score=3, now=now - dt.timedelta(days=1, minutes=minute * 10))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, params).status_code == 200
    for _ in range(60):
        rating_submit(rng.choice(world["codes"][:6]), score=rng.randint(1, 5), now=_at(rng, now))
    assert StaffRatingDay.objects.values("day").distinct().count() > 20
    with django_assert_num_queries(len(few)):
        page = client.get(url, params)
    assert page.context["board"].ratings.count > 6 * dash.RANKING_MIN_RATINGS


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_concurrent_writers_to_one_day_lose_no_rating():
    """Two connections add to the same, not yet existing, day row at once, each in its own
    transactions: the one whose insert loses the race adds to the winner's row."""
    import threading

    from django.db import connections

    member = StaffFactory()
    key = {"day": timezone.localdate(), "staff_id": member.pk, "unit_id": member.unit_id}
    copies = {"body_id": member.unit.body_id, "province_id": member.unit.province_id}
    start = threading.Barrier(2)
    errors = []

    def writer():
        try:
            start.wait()
            for _ in range(40):
                with transaction.atomic():
                    rollups.rollup_add(StaffRatingDay, key, {"count": 1, "total": 4, "s4": 1}, copies)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = StaffRatingDay.objects.get(**key)
    assert (row.count, row.total, row.s4) == (80, 320, 80)
