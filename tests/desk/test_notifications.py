"""Notifying the applicant: one message per event and channel, retried on failure, never twice."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection, transaction

from apps.core import messaging
from apps.core.messaging import DeliveryError
from apps.desk.models import Notification, ServiceRequest
from apps.desk.notifications import NotificationFailed, request_event_notify, request_notifications
from apps.desk.services import Applicant, IntakeDocument, service_request_register, stage_complete
from apps.desk.tasks import notify_request_event
from tests.factories import OrgUnitFactory, StaffFactory, SubServiceFactory, WorkflowStageFactory

NATIONAL_CODE = "0790419904"
MOBILE = "09121234567"
REGISTERED = Notification.Event.REGISTERED
SENT, FAILED = Notification.State.SENT, Notification.State.FAILED


@pytest.fixture(autouse=True)
def _console_sms(settings):
    settings.SMS_BACKEND = "apps.core.messaging.ConsoleSMSBackend"
    settings.SITE_URL = "https://desk.example.ir"
    messaging.outbox.clear()
    yield
    messaging.outbox.clear()


def register(*, email="", stages=1, service_title=None) -> ServiceRequest:
    """A request registered through the real service (its on-commit notification is not run here)."""
    service = SubServiceFactory(**({"title": service_title} if service_title else {}))
    for _n in range(stages):
        WorkflowStageFactory(service=service)
    return service_request_register(
        service=service,
        unit=OrgUnitFactory(body=service.body),
        applicant=Applicant(national_code=NATIONAL_CODE, full_name="مریم احمدی", mobile=MOBILE, email=email),
        documents=[IntakeDocument(required_id=None, title="کارت ملی", received=True)],
    )


class FlakySMS:
    """An SMS backend that fails the first `failures` sends, then delivers to the console outbox."""

    failures = 0
    calls = 0

    def send(self, *, mobile, text):
        FlakySMS.calls += 1
        if FlakySMS.calls <= FlakySMS.failures:
            raise DeliveryError("gateway timed out")
        return messaging.ConsoleSMSBackend().send(mobile=mobile, text=text)


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySMS"
    FlakySMS.calls = 0
    FlakySMS.failures = 1
    return FlakySMS


def sms_rows(request, event=REGISTERED):
    return list(Notification.objects.filter(request=request, event=event, channel=Notification.Channel.SMS))


def test_registering_a_request_sends_exactly_one_registered_sms(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = register()

    (row,) = sms_rows(request)
    assert row.state == SENT
    assert row.recipient == MOBILE
    assert row.sent_at is not None
    (message,) = messaging.outbox
    assert message.mobile == MOBILE
    assert row.provider_id == message.message_id


def test_registered_sms_is_not_sent_again_when_the_task_runs_again(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = register()

    # The broker redelivers, the task is queued twice, a worker retries after a lost ack.
    notify_request_event.delay(request_id=request.pk, event=REGISTERED)
    notify_request_event.apply(kwargs={"request_id": request.pk, "event": REGISTERED, "event_key": ""})
    request_event_notify(request_id=request.pk, event=REGISTERED)

    assert len(messaging.outbox) == 1
    assert [r.state for r in sms_rows(request)] == [SENT]


@pytest.fixture
def worker_like_retries():
    """Eager tasks that propagate errors raise celery's Retry to the caller instead of retrying; a
    worker retries. Without propagation, eager apply() re-runs the task for each retry, as a worker would."""
    conf = notify_request_event.app.conf
    previous = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = previous


def test_a_failed_first_try_is_retried_by_the_task_and_sent_once(db, flaky_sms, worker_like_retries):
    """GIVEN a gateway that times out once
    WHEN the task for the registration runs (and retries itself)
    THEN one SENT row records two attempts and the first error, and one SMS left."""
    request = register()

    result = notify_request_event.delay(request_id=request.pk, event=REGISTERED)

    assert result.state == "SUCCESS"
    (row,) = sms_rows(request)
    assert (row.state, row.attempts) == (SENT, 2)
    assert row.last_error == "gateway timed out"
    assert len(messaging.outbox) == 1
    assert flaky_sms.calls == 2

    notify_request_event.delay(request_id=request.pk, event=REGISTERED)
    assert len(messaging.outbox) == 1


def test_a_delivery_failure_marks_the_row_failed_and_raises_so_the_task_retries(db, flaky_sms):
    flaky_sms.failures = 99
    request = register()

    with pytest.raises(NotificationFailed, match="gateway timed out"):
        request_event_notify(request_id=request.pk, event=REGISTERED)
    (row,) = sms_rows(request)
    assert (row.state, row.attempts, row.sent_at) == (FAILED, 1, None)
    assert row.last_error == "gateway timed out"

    with pytest.raises(NotificationFailed):
        request_event_notify(request_id=request.pk, event=REGISTERED)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (FAILED, 2)
    assert messaging.outbox == []


def test_the_task_gives_up_after_its_retries_and_leaves_the_row_failed(db, flaky_sms, worker_like_retries):
    flaky_sms.failures = 99
    request = register()

    result = notify_request_event.delay(request_id=request.pk, event=REGISTERED)

    assert result.state == "FAILURE"
    assert isinstance(result.result, NotificationFailed)
    (row,) = sms_rows(request)
    assert row.state == FAILED
    assert row.attempts == notify_request_event.max_retries + 1


def test_email_is_sent_only_when_the_applicant_gave_one(db, mailoutbox):
    with_email = register(email="maryam@example.com")
    without_email = register()

    request_event_notify(request_id=with_email.pk, event=REGISTERED)
    request_event_notify(request_id=without_email.pk, event=REGISTERED)

    channels = sorted(Notification.objects.filter(request=with_email).values_list("channel", flat=True))
    assert channels == ["email", "sms"]
    assert list(Notification.objects.filter(request=without_email).values_list("channel", flat=True)) == [
        "sms"
    ]
    (email,) = mailoutbox
    assert email.to == ["maryam@example.com"]
    assert "ثبت درخواست" in email.subject
    assert "مریم احمدی گرامی" in email.body
    assert with_email.service.title in email.body


def test_a_failed_email_is_retried_without_sending_the_sms_again(db, monkeypatch):
    request = register(email="maryam@example.com")
    real_send_email = messaging.send_email
    calls = []

    def email_down_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise DeliveryError("Email not sent: ConnectionRefusedError")
        real_send_email(**kwargs)

    monkeypatch.setattr(messaging, "send_email", email_down_once)

    with pytest.raises(NotificationFailed, match="email"):
        request_event_notify(request_id=request.pk, event=REGISTERED)
    request_event_notify(request_id=request.pk, event=REGISTERED)

    states = dict(Notification.objects.filter(request=request).values_list("channel", "state"))
    assert states == {"sms": SENT, "email": SENT}
    assert len(messaging.outbox) == 1
    assert len(calls) == 2


def test_registered_sms_has_the_tracking_code_jalali_date_in_persian_digits_and_link(db):
    request = register()
    # 2026-11-22 is 1405/09/01 (shared/NOTES.md); 10:00 Tehran is 06:30 UTC.
    ServiceRequest.objects.filter(pk=request.pk).update(
        promised_at=dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC)
    )
    # The text is written with the registration; write it again for the date set above.
    Notification.objects.filter(request=request).delete()

    request_event_notify(request_id=request.pk, event=REGISTERED)

    text = messaging.outbox[0].text
    (date_line,) = [line for line in text.splitlines() if "تاریخ مراجعه" in line]
    assert date_line.endswith("۱۴۰۵/۰۹/۰۱")
    assert not re.search(r"[0-9]", date_line)
    code = request.tracking_code
    persian_code = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f"{persian_code[:3]}-{persian_code[3:7]}-{persian_code[7:]}" in text
    assert f"https://desk.example.ir/track/?code={code}" in text


@pytest.mark.parametrize("event", Notification.Event.values)
def test_no_sms_carries_the_national_code_and_each_stays_short(db, event):
    request = register(
        service_title="صدور پروانه بهره‌برداری از واحدهای تولیدی و صنعتی در شهرک‌های صنعتی استان"
    )

    request_event_notify(request_id=request.pk, event=event, event_key="1:x")

    text = messaging.outbox[-1].text
    assert NATIONAL_CODE not in text
    assert re.search(r"[\u0600-\u06ff]", text)
    # Four UCS-2 parts (4 × 67) at most: long titles are cut in SMS, kept whole in email.
    assert len(text) <= 4 * 67, (event, len(text), text)


def test_delivered_sms_thanks_the_applicant_and_links_the_survey(db):
    request = register()

    request_event_notify(request_id=request.pk, event=Notification.Event.DELIVERED)

    text = messaging.outbox[0].text
    assert "سپاسگزاریم" in text
    assert f"https://desk.example.ir/track/?code={request.tracking_code}" in text


def test_each_completed_stage_is_its_own_news_naming_the_stage(db, django_capture_on_commit_callbacks):
    request = register(stages=2)
    first, second = request.stages.order_by("order")
    by = StaffFactory(unit=first.unit)

    with django_capture_on_commit_callbacks(execute=True):
        stage_complete(stage_id=first.pk, by=by)
    with django_capture_on_commit_callbacks(execute=True):
        stage_complete(stage_id=second.pk, by=by)

    rows = Notification.objects.filter(request=request, event=Notification.Event.STAGE_DONE)
    assert rows.count() == 2
    assert all(r.state == SENT for r in rows)
    assert [first.title in messaging.outbox[0].text, second.title in messaging.outbox[1].text] == [True, True]


def test_notifying_a_deleted_request_does_nothing(db):
    assert request_event_notify(request_id=987654, event=REGISTERED) == []
    assert messaging.outbox == []


def test_an_unknown_event_is_a_programming_error(db):
    request = register()
    with pytest.raises(ValueError, match="Unknown"):
        request_event_notify(request_id=request.pk, event="birthday")


def test_request_notifications_lists_only_that_requests_messages_oldest_first(db, django_assert_num_queries):
    request, other = register(), register()
    request_event_notify(request_id=request.pk, event=REGISTERED)
    request_event_notify(request_id=request.pk, event=Notification.Event.RESPONSE_READY)
    request_event_notify(request_id=other.pk, event=REGISTERED)

    with django_assert_num_queries(1):
        log = list(request_notifications(request))

    assert [n.event for n in log] == [REGISTERED, Notification.Event.RESPONSE_READY]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks; IMMEDIATE serialises writers"
)
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_sending_is_left_to_that_worker():
    request = register()  # autocommit here: its own "registered" SMS has gone out already
    messaging.outbox.clear()
    ready = Notification.Event.RESPONSE_READY
    row = Notification.objects.create(request=request, event=ready, channel="sms", recipient=MOBILE, body="x")
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=row.pk)
            locked.set()
            release.wait(10)
        connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        request_event_notify(request_id=request.pk, event=ready)
        assert messaging.outbox == []
    finally:
        release.set()
        worker.join()
    row.refresh_from_db()
    assert row.state == Notification.State.PENDING


def test_a_long_service_title_is_cut_in_the_sms_and_kept_whole_in_the_email(db, mailoutbox):
    title = "صدور پروانه بهره‌برداری از واحدهای تولیدی و صنعتی در شهرک‌های صنعتی استان"
    request = register(email="maryam@example.com", service_title=title)

    request_event_notify(request_id=request.pk, event=REGISTERED)

    assert title not in messaging.outbox[0].text
    assert "…" in messaging.outbox[0].text
    assert title in mailoutbox[0].body
