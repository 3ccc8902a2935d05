"""The request workflow: registration, stages, lateness, hold, return, response, delivery."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from apps.catalog.selectors import service_promised_at
from apps.core import worktime
from apps.desk import services
from apps.desk.models import RequestEvent, RequestStage, ServiceRequest
from apps.desk.tracking import tracking_code_check_digit_ok
from apps.orgs import roles
from tests.factories import (
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
    staff_user,
)

pytestmark = pytest.mark.django_db

APPLICANT = services.Applicant(national_code="0499370899", full_name="سارا محمدی", mobile="09121234567")


@pytest.fixture
def desk(db):
    unit = OrgUnitFactory()
    clerk = staff_user(roles.DESK_CLERK, unit=unit)
    officer = staff_user(roles.UNIT_OFFICER, unit=unit)
    service = SubServiceFactory(body=unit.body)
    for n, (amount, kind) in enumerate([(2, "hour"), (3, "working_day"), (1, "working_day")], start=1):
        WorkflowStageFactory(service=service, order=n, responsible_unit=unit, duration=Decimal(amount), duration_unit=kind)
    return unit, clerk, officer, service


def _register(desk, **kwargs):
    unit, clerk, _officer, service = desk
    return services.service_request_register(
        service=service, unit=unit, by=clerk, applicant=kwargs.pop("applicant", APPLICANT), documents=kwargs.pop("documents", []), **kwargs
    )


def test_registration_copies_stages_and_promises_the_table_1_duration(desk):
    unit, _clerk, _officer, service = desk
    sr = _register(desk)
    assert tracking_code_check_digit_ok(sr.tracking_code)
    assert sr.promised_at == service_promised_at(service, start=sr.received_at, province=unit.province)
    stages = list(sr.stages.order_by("order"))
    assert [s.title for s in stages] == [s.title for s in service.stages.order_by("order")]
    assert stages[0].state == RequestStage.State.ACTIVE
    assert stages[0].due_at is not None
    assert all(s.state == RequestStage.State.PENDING for s in stages[1:])
    assert sr.status == ServiceRequest.Status.IN_PROGRESS
    assert list(sr.events.values_list("action", flat=True)) == ["registered", "handed_over"]


def test_catalog_edits_do_not_change_requests_in_flight(desk):
    sr = _register(desk)
    desk[3].stages.filter(order=2).update(title="عنوان تازه", duration=Decimal(9))
    assert sr.stages.get(order=2).title != "عنوان تازه"
    assert sr.stages.get(order=2).duration == Decimal(3)


def test_missing_documents_need_a_recorded_reason(desk):
    doc = RequiredDocumentFactory(service=desk[3], title="سند مالکیت")
    missing = [services.IntakeDocument(required_id=doc.pk, title=doc.title, received=False)]
    with pytest.raises(ValidationError, match="سند مالکیت"):
        _register(desk, documents=missing)
    sr = _register(desk, documents=missing, incomplete_reason="متقاضی فردا سند را می‌آورد")
    assert sr.incomplete_reason
    assert not sr.documents.get().received


def test_g2b_service_needs_the_legal_id(desk):
    desk[3].service_type = "G2B"
    desk[3].save()
    with pytest.raises(ValidationError):
        _register(desk)


def test_stages_move_in_order_and_lateness_is_flagged(desk, monkeypatch):
    _unit, _clerk, officer, _service = desk
    sr = _register(desk)
    first = sr.stages.get(order=1)
    services.stage_complete(stage_id=first.pk, by=officer, note="مدارک کامل است")
    second = sr.stages.get(order=2)
    assert second.state == RequestStage.State.ACTIVE
    # Finish the second stage after its due time: it is recorded as late.
    RequestStage.objects.filter(pk=second.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    done = services.stage_complete(stage_id=second.pk, by=officer, note="بازدید انجام شد")
    assert done.was_late
    assert RequestStage.objects.get(pk=second.pk).is_overdue
    third = sr.stages.get(order=3)
    services.stage_complete(stage_id=third.pk, by=officer)
    sr.refresh_from_db()
    assert sr.stages.filter(state=RequestStage.State.DONE).count() == 3


def test_second_officer_on_the_same_stage_gets_a_clear_conflict(desk):
    _unit, _clerk, officer, _service = desk
    sr = _register(desk)
    stage = sr.stages.get(order=1)
    services.stage_complete(stage_id=stage.pk, by=officer, expected_version=sr.version)
    with pytest.raises(services.TransitionConflict):
        services.stage_complete(stage_id=stage.pk, by=officer, expected_version=sr.version)


def test_stale_form_is_refused_by_version(desk):
    _unit, _clerk, officer, _service = desk
    sr = _register(desk)
    services.request_hold(stage_id=sr.stages.get(order=1).pk, by=officer, note="استعلام ثبت")
    with pytest.raises(services.TransitionConflict):
        services.stage_complete(stage_id=sr.stages.get(order=1).pk, by=officer, expected_version=sr.version)


def test_hold_and_resume_for_an_inquiry(desk):
    _unit, _clerk, officer, _service = desk
    sr = _register(desk)
    stage = sr.stages.get(order=1)
    services.request_hold(stage_id=stage.pk, by=officer, note="استعلام ثبت اسناد")
    sr.refresh_from_db()
    assert sr.status == ServiceRequest.Status.ON_HOLD
    with pytest.raises(services.TransitionConflict):
        services.stage_complete(stage_id=stage.pk, by=officer)
    services.request_resume(stage_id=stage.pk, by=officer)
    sr.refresh_from_db()
    assert sr.status == ServiceRequest.Status.IN_PROGRESS
    assert sr.stages.get(order=1).state == RequestStage.State.ACTIVE


def test_return_to_an_earlier_stage_resets_the_ones_between(desk):
    _unit, _clerk, officer, _service = desk
    sr = _register(desk)
    services.stage_complete(stage_id=sr.stages.get(order=1).pk, by=officer)
    services.stage_complete(stage_id=sr.stages.get(order=2).pk, by=officer)
    with pytest.raises(ValidationError):
        services.stage_return(stage_id=sr.stages.get(order=3).pk, to_order=1, by=officer, note="")
    services.stage_return(stage_id=sr.stages.get(order=3).pk, to_order=1, by=officer, note="نقشه ناقص است")
    states = dict(sr.stages.values_list("order", "state"))
    assert states == {1: "active", 2: "pending", 3: "pending"}
    assert sr.events.filter(action="returned", from_state="3", to_state="1").exists()


def test_response_needs_every_stage_done_then_delivery_closes(desk):
    _unit, clerk, officer, _service = desk
    sr = _register(desk)
    kwargs = {"by": officer, "outcome": "granted", "content": "گواهی صادر شد", "legal_basis": "ماده ۵"}
    with pytest.raises(ValidationError):
        services.response_issue(request_id=sr.pk, **kwargs)
    for stage in sr.stages.order_by("order"):
        services.stage_complete(stage_id=stage.pk, by=officer)
    with pytest.raises(ValidationError):
        services.request_deliver(request_id=sr.pk, by=clerk)
    response = services.response_issue(request_id=sr.pk, **kwargs)
    assert response.number.endswith(sr.tracking_code)
    with pytest.raises(services.TransitionConflict):
        services.response_issue(request_id=sr.pk, **kwargs)
    services.request_deliver(request_id=sr.pk, by=clerk)
    sr.refresh_from_db()
    assert sr.status == ServiceRequest.Status.DELIVERED
    assert sr.delivered_at
    assert sr.outcome == "granted"
    with pytest.raises(services.TransitionConflict):
        services.request_deliver(request_id=sr.pk, by=clerk)


def test_history_is_append_only(desk):
    sr = _register(desk)
    event = sr.events.first()
    event.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_promised_date_skips_fridays_and_holidays():
    unit = OrgUnitFactory()
    sr = registered_request(unit=unit, stages=1)
    stage = sr.stages.get()
    expected = worktime.add_duration(sr.received_at, stage.duration, stage.duration_unit, province=unit.province)
    assert sr.promised_at == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the in-memory SQLite test database has one writer; the PostgreSQL run proves this"
)
def test_fifty_concurrent_registrations_get_fifty_distinct_codes():
    """GIVEN one service WHEN 50 registrations run at once on PostgreSQL THEN 50 distinct valid codes exist."""
    unit = OrgUnitFactory()
    service = SubServiceFactory(body=unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    codes, errors = [], []

    def register():
        try:
            sr = services.service_request_register(service=service, unit=unit, applicant=APPLICANT, documents=[])
            codes.append(sr.tracking_code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(codes) == 50 == len(set(codes))
    assert all(tracking_code_check_digit_ok(c) for c in codes)
    assert ServiceRequest.objects.count() == 50
    assert RequestEvent.objects.filter(action="registered").count() == 50


def test_a_colliding_random_code_is_drawn_again(desk, monkeypatch):
    first = _register(desk)
    fresh = "12345678906"  # a valid code (Damm check digit 6)
    draws = iter([first.tracking_code, fresh])
    monkeypatch.setattr(services, "tracking_code_new", lambda: next(draws))
    second = _register(desk)
    assert second.tracking_code == fresh
    assert tracking_code_check_digit_ok(fresh)


def test_a_failed_message_is_resent_by_the_beat_task_once(desk, monkeypatch, django_capture_on_commit_callbacks):
    """GIVEN the gateway is down at registration WHEN the page commits THEN the request is saved and
    the message waits as FAILED; the beat task sends it later, exactly once."""
    import datetime as _dt

    from apps.core import messaging
    from apps.desk.models import Notification
    from apps.desk.tasks import notifications_resend_failed
    from config.celery import app

    def down(**kwargs):
        raise messaging.DeliveryError("gateway down")

    monkeypatch.setattr(messaging, "send_sms", down)
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # as a worker: retries are re-run, failures do not escape
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sr = _register(desk)
    finally:
        app.conf.task_eager_propagates = previous
    row = Notification.objects.get(request=sr, event="registered", channel="sms")
    assert row.state == "failed"
    assert sr.pk
    monkeypatch.undo()
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - _dt.timedelta(minutes=10))
    assert notifications_resend_failed() == 1
    assert notifications_resend_failed() == 0
    row.refresh_from_db()
    assert row.state == "sent"


def test_a_request_waits_for_its_response_only_once_its_last_stage_is_done(desk):
    from apps.desk import selectors

    _unit, clerk, officer, _service = desk
    sr = _register(desk)
    stages = list(sr.stages.order_by("order"))
    for stage in stages[:-1]:
        services.stage_complete(stage_id=stage.pk, by=officer)
    assert not selectors.awaiting_response(user=officer.user).filter(pk=sr.pk).exists()
    services.stage_complete(stage_id=stages[-1].pk, by=officer)
    sr.refresh_from_db()
    assert sr.stages_done_at is not None
    assert sr.response_unit == stages[-1].unit
    # The last stage's unit issues it; the clerk sees where it waits but has nothing to issue.
    assert list(selectors.awaiting_response(user=officer.user)) == [sr]
    assert not selectors.awaiting_response(user=clerk.user).exists()
    assert list(selectors.awaiting_response_at_desk(user=clerk.user)) == [sr]
    services.response_issue(request_id=sr.pk, by=officer, outcome="granted", content="صادر شد", legal_basis="ماده ۵")
    assert not selectors.awaiting_response(user=officer.user).exists()


def test_dashboard_counters_count_live_requests_and_waiting_stages(desk):
    from apps.desk import selectors

    _unit, clerk, officer, _service = desk
    first, second = _register(desk), _register(desk, applicant=services.Applicant(
        national_code="0013542419", full_name="علی رضایی", mobile="09121234568"))
    for stage in first.stages.order_by("order"):
        services.stage_complete(stage_id=stage.pk, by=officer)
    services.response_issue(request_id=first.pk, by=officer, outcome="granted", content="صادر شد", legal_basis="ماده ۵")
    counts = selectors.dashboard_counts(user=clerk.user)
    assert counts["to_deliver"] == 1
    assert counts["inbox"] == 1
    assert counts["today"] == 2
    assert counts["overdue_stages"] == 0
    assert counts["on_hold"] == 0
    RequestStage.objects.filter(request=second, state=RequestStage.State.ACTIVE).update(
        due_at=timezone.now() - dt.timedelta(hours=1))
    assert selectors.dashboard_counts(user=clerk.user)["overdue_stages"] == 1


def test_the_migration_fills_stages_done_at_for_requests_already_waiting(desk):
    import importlib

    from django.apps import apps

    fill = importlib.import_module("apps.desk.migrations.0002_request_live_indexes").stages_done_at_fill
    _unit, _clerk, officer, _service = desk
    waiting, working = _register(desk), _register(desk, applicant=services.Applicant(
        national_code="0013542419", full_name="علی رضایی", mobile="09121234568"))
    for stage in waiting.stages.order_by("order"):
        services.stage_complete(stage_id=stage.pk, by=officer)
    last = waiting.stages.order_by("-order").first().finished_at
    ServiceRequest.objects.update(stages_done_at=None)  # as before the field existed
    fill(apps, None)
    waiting.refresh_from_db()
    working.refresh_from_db()
    assert waiting.stages_done_at == last
    assert working.stages_done_at is None
