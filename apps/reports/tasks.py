"""Celery tasks of the periodic reports: thin and idempotent (see services.py)."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def reports_compile_period(*, kind: str, period: str, scope: str = "national") -> str:
    """Compile one report (kind, Jalali period, scope key such as "province:7"); returns its status.
    A failure is recorded on the report row, not raised: the page shows it and the schedule retries."""
    from apps.reports.scopes import Scope
    from apps.reports.services import report_compile

    try:
        return report_compile(kind=kind, period=period, scope=Scope.parse(scope)).status
    except Exception:
        # Already logged and stored on the row by report_compile.
        return "failed"


@shared_task
def reports_compile_due(*, kinds: list[str] | None = None, audit_grace_days: int = 0) -> int:
    """Queue the scheduled reports of the last finished quarter / bimonth / half year that are not
    compiled yet (audit summaries `audit_grace_days` after their bimonth); a second run queues
    nothing. Returns how many it queued."""
    from apps.reports.services import KIND_PERIOD, report_request, reports_due

    due = reports_due(
        kinds=kinds or list(KIND_PERIOD), today=timezone.localdate(), audit_grace_days=audit_grace_days
    )
    queued = 0
    for kind, period, scope in due:
        _report, is_new = report_request(kind=kind, period=period, scope=scope)
        queued += is_new
    if queued:
        logger.info("queued %d periodic reports", queued)
    return queued
