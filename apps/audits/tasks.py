"""Celery tasks of the audits: thin and idempotent."""

from celery import shared_task


@shared_task
def audit_rounds_open_current() -> int:
    """Open the audit round of the current Jalali bimonth with a draft form per HQ and provincial unit;
    once it is open, a run only adds forms for units created since. Returns the round's id."""
    from apps.audits.services import audit_round_open_current

    return audit_round_open_current().pk


@shared_task
def audit_form_notify(*, form_id: int, event: str, event_key: str = "", note: str = "") -> int:
    """Tell the people concerned about one event of an audit form (each message at most once)."""
    from apps.audits.notices import audit_form_notify as notify

    return notify(form_id=form_id, event=event, event_key=event_key, note=note)


@shared_task
def audit_deadlines_notify() -> int:
    """Daily: reminders before the due dates of audit forms, notices after them, retries of failed
    messages. Running it twice in a day sends nothing the second time."""
    from apps.audits.notices import audit_deadlines_notify as notify

    return notify()
