"""The demo load (`seed_demo`): every dashboard has something to show, and a second run adds nothing.

The load takes seconds, so the module seeds once (twice, to prove the second run is a no-op) in a
transaction that is rolled back when the module is done, and each test reads that database.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from apps.audits.models import AuditForm, AuditRound
from apps.core.jalali import Period, to_jalali
from apps.desk import selectors
from apps.desk.models import (
    Notification,
    QueueTicket,
    RequestDocument,
    RequestEvent,
    RequestStage,
    Response,
    ServiceRequest,
)
from apps.feedback.models import Answer, StaffQRCode, StaffRating, SurveyResponse
from apps.orgs.models import Staff

COUNTED = [
    ServiceRequest,
    RequestStage,
    RequestEvent,
    RequestDocument,
    Response,
    Notification,
    QueueTicket,
    StaffQRCode,
    StaffRating,
    SurveyResponse,
    Answer,
    AuditRound,
    AuditForm,
    Staff,
]


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    counts["audit form versions"] = sum(AuditForm.objects.values_list("version", flat=True))
    return counts


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """GIVEN a fresh database WHEN seed_demo runs twice THEN: counts after each run, and the output."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        first_out, second_out = io.StringIO(), io.StringIO()
        call_command("seed_demo", stdout=first_out)
        first = _counts()
        call_command("seed_demo", stdout=second_out)
        yield {"first": first, "second": _counts(), "output": second_out.getvalue()}
        transaction.set_rollback(True)


@pytest.fixture
def now():
    return timezone.now()


def _user(username: str):
    return Staff.objects.get(user__username=username).user


def test_seed_demo_twice_gives_the_same_counts(demo, db):
    assert demo["first"] == demo["second"]
    assert 40 <= demo["first"]["ServiceRequest"] <= 110
    assert 300 <= demo["first"]["StaffRating"] <= 600
    assert 60 <= demo["first"]["SurveyResponse"] <= 120


def test_demo_has_requests_in_every_state(demo, db, now):
    Status, Outcome = ServiceRequest.Status, ServiceRequest.Outcome
    today = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate(now), timezone.datetime.min.time())
    )
    requests = ServiceRequest.objects.all()
    active = RequestStage.objects.filter(state=RequestStage.State.ACTIVE)

    new = requests.filter(status=Status.IN_PROGRESS, received_at__gte=today)
    assert new.exclude(stages__state=RequestStage.State.DONE).exists()
    in_stages = active.filter(request__status=Status.IN_PROGRESS, due_at__gt=now, order__gt=1)
    assert in_stages.exists()
    assert active.filter(due_at__lt=now).exists()
    assert requests.filter(status=Status.ON_HOLD, stages__state=RequestStage.State.ON_HOLD).exists()
    returned = RequestEvent.objects.filter(action="returned", request__status=Status.IN_PROGRESS)
    assert returned.exists()
    answered = set(
        requests.filter(status=Status.ANSWERED, response__isnull=False).values_list("outcome", flat=True)
    )
    assert answered == {Outcome.GRANTED, Outcome.REFUSED, Outcome.REFERRED}
    delivered = requests.filter(status=Status.DELIVERED)
    assert delivered.count() >= 20
    assert not delivered.filter(delivered_at__isnull=True).exists()


def test_demo_timelines_lie_in_the_past_and_in_order(demo, db, now):
    assert not RequestEvent.objects.filter(at__gt=now).exists()
    for sr in ServiceRequest.objects.filter(status=ServiceRequest.Status.DELIVERED):
        assert sr.received_at <= sr.first_stage_at < sr.answered_at < sr.delivered_at < now
        assert sr.response.issued_at == sr.answered_at
        assert sr.response.number.startswith(f"{to_jalali(sr.answered_at).year}-")
    months = {
        (d.year, d.month)
        for d in map(to_jalali, ServiceRequest.objects.values_list("received_at", flat=True))
    }
    assert len(months) >= 5


def test_demo_officer_has_overdue_stages_in_their_inbox(demo, db, now):
    officer = _user("officer")
    assert selectors.inbox(user=officer).count() >= 5
    assert selectors.overdue_stages(user=officer).exists()
    counts = selectors.dashboard_counts(user=_user("clerk"))
    assert all(counts[key] for key in ("today", "to_deliver", "overdue_stages")), counts
    # The officer's counters agree with the officer's inbox (a held stage counts where it waits).
    mine = selectors.dashboard_counts(user=officer)
    assert mine["on_hold"] == selectors.inbox(user=officer).filter(state="on_hold").count() >= 1
    assert mine["inbox"] == selectors.inbox(user=officer).count()


def test_demo_ratings_span_four_jalali_months_and_rank_the_staff(demo, db):
    months = {
        (d.year, d.month) for d in map(to_jalali, StaffRating.objects.values_list("created_at", flat=True))
    }
    assert len(months) >= 4
    assert StaffRating.objects.filter(flagged=True, reviewed_at__isnull=True).count() >= 10
    averages = StaffRating.objects.filter(flagged=False).values("staff").annotate(n=Count("pk"))
    assert len(averages) >= 6
    assert StaffQRCode.objects.filter(revoked_at__isnull=True).count() >= 8


def test_demo_questionnaires_carry_where_their_request_belongs(demo, db):
    surveys = SurveyResponse.objects.select_related("request__unit")
    assert surveys.exists()
    for survey in surveys:
        sr = survey.request
        assert survey.submitted_at > (sr.delivered_at or sr.answered_at)
        assert (survey.service_id, survey.unit_id, survey.body_id, survey.province_id, survey.county_id) == (
            sr.service_id,
            sr.unit_id,
            sr.unit.body_id,
            sr.unit.province_id,
            sr.unit.county_id,
        )
    per_survey = Answer.objects.values("response").annotate(n=Count("pk")).values_list("n", flat=True)
    assert set(per_survey) == {16}
    assert not Answer.objects.exclude(submitted_at__in=SurveyResponse.objects.values("submitted_at")).exists()


def test_demo_audit_form_of_the_current_round_is_prefilled(demo, db):
    period = Period.containing(timezone.localdate(), "B")
    form = AuditForm.objects.get(
        round__year=period.year, round__number=period.number, unit__name="اداره کل راه و شهرسازی مازندران"
    )
    assert form.state == AuditForm.State.DRAFT
    assert sum(form.rows.values_list("desk_requests", flat=True)) > 0


def test_seed_demo_prints_what_the_portal_holds(demo, db):
    out = demo["output"]
    assert f": {ServiceRequest.objects.count()}" in out
    assert f"{StaffRating.objects.count()}" in out
    assert str(Period.containing(timezone.localdate(), "B")) in out


def test_a_second_load_keeps_request_documents_linked_to_the_catalog(demo, db):
    from apps.desk.models import RequestDocument

    documents = RequestDocument.objects.all()
    assert documents.exists()
    assert not documents.filter(required__isnull=True).exists()


def test_demo_catalog_is_in_force_before_every_demo_request(demo, db):
    """Reports of past periods count the services the demo requests were made for."""
    from apps.catalog.selectors import services_on
    from apps.reports.figures import catalog_services, channel_counts
    from apps.reports.scopes import Scope

    oldest = ServiceRequest.objects.order_by("received_at").first()
    first_day = timezone.localtime(oldest.received_at).date()
    in_force = set(services_on(first_day).values_list("pk", flat=True))
    assert set(ServiceRequest.objects.values_list("service_id", flat=True)) <= in_force
    period = Period.containing(first_day, "Q")
    body = Scope(Scope.BODY, oldest.service.body_id)
    assert channel_counts(catalog_services(body, period.end))["total"] == len(in_force) == 12


def test_demo_has_a_verified_form_of_the_previous_bimonth_in_annex_3(demo, db):
    """The national auditor's table 2 of the last finished bimonth shows the directorate's verified
    form, with the channel the body corrected after the evaluator returned it."""
    from apps.reports import annex3

    current = Period.containing(timezone.localdate(), "B")
    previous = Period.containing(current.start - timezone.timedelta(days=1), "B")
    form = AuditForm.objects.get(
        round__year=previous.year, round__number=previous.number, unit__name="اداره کل راه و شهرسازی مازندران"
    )
    assert form.state == AuditForm.State.VERIFIED
    assert form.rows.get(code="11040029").channel == "in_person"
    row = next(r for r in annex3.table2(period=previous)["rows"] if r["verified"])
    assert (row["name"], row["total"], row["in_person"]) == ("اداره کل راه و شهرسازی استان مازندران", 12, 4)
    assert row["ratio_in_person"] == round(100 * 4 / 12, 1)


def test_the_demo_prints_an_api_key_that_works_and_keeps_only_one(demo, db):
    """The printed key of the directorate's office automation reads the demo's requests; a second load
    replaces it (one demo key, the earlier secret refused)."""
    import re

    from rest_framework.test import APIClient

    from apps.api.demo import DEMO_KEY_NAME
    from apps.api.keys import api_key_find
    from apps.api.models import ApiKey

    raw = re.search(r"Api-Key (sdk_[0-9a-f]{8}_[\w-]+)'", demo["output"]).group(1)
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME).count() == 1
    key = api_key_find(raw)
    assert key is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    listed = client.get("/api/v1/requests/")
    assert listed.status_code == 200
    assert listed.json()["results"]
