"""Celery tasks of the desk: thin, idempotent, queued on commit by apps.desk.services."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_request_event(self, *, request_id: int, event: str, event_key: str = "") -> None:
    """Tell the applicant about a step of their request (SMS, and email when given); at most once."""
    from apps.desk.notifications import NotificationFailed, request_event_notify

    try:
        request_event_notify(request_id=request_id, event=event, event_key=event_key)
    except NotificationFailed as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def notifications_resend_failed() -> int:
    """Resend applicant messages that failed or never left (gateway down, worker lost); returns how many events."""
    from django.conf import settings

    from apps.desk.notifications import NotificationFailed, request_event_notify, unsent_events

    done = 0
    for request_id, event, event_key in unsent_events(older_than_minutes=settings.NOTIFICATIONS_RESEND_AFTER_MINUTES):
        try:
            request_event_notify(request_id=request_id, event=event, event_key=event_key)
            done += 1
        except NotificationFailed:
            continue  # still down: the next run tries again
    return done
