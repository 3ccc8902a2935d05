"""Celery tasks of cases: thin and idempotent, queued on commit by apps.cases.notifications."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_case_event(self, *, event_id: int) -> None:
    """Tell the applicant about one line of their case's timeline; at most once per channel."""
    from apps.cases.notifications import CaseNotificationFailed, case_event_notify

    try:
        case_event_notify(event_id=event_id)
    except CaseNotificationFailed as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def case_notifications_resend() -> int:
    """Resend case messages and meeting confirmations that failed or never left (gateway down, worker
    lost); returns how many were sent."""
    from django.conf import settings

    from apps.cases.meetings import meeting_booked_notify as booking_notify
    from apps.cases.meetings import meeting_bookings_unsent
    from apps.cases.notifications import CaseNotificationFailed, case_event_notify, case_events_unsent

    done = 0
    for event_id in case_events_unsent(older_than_minutes=settings.NOTIFICATIONS_RESEND_AFTER_MINUTES):
        try:
            case_event_notify(event_id=event_id)
            done += 1
        except CaseNotificationFailed:
            continue
    # Confirmations of public meeting bookings, the same way.
    for booking_id in meeting_bookings_unsent(older_than_minutes=settings.NOTIFICATIONS_RESEND_AFTER_MINUTES):
        done += booking_notify(booking_id=booking_id)
    return done


@shared_task
def meeting_booked_notify(*, booking_id: int) -> bool:
    """Confirm a public meeting booking to the applicant by SMS; a refused send leaves the booking as it is."""
    from apps.cases.meetings import meeting_booked_notify as notify

    return notify(booking_id=booking_id)
