"""Celery tasks of the audits: thin and idempotent."""

from celery import shared_task


@shared_task
def audit_rounds_open_current() -> int:
    """Open the audit round of the current Jalali bimonth with a draft form per HQ and provincial unit;
    once it is open, a run only adds forms for units created since. Returns the round's id."""
    from apps.audits.services import audit_round_open_current

    return audit_round_open_current().pk
