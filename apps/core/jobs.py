"""Queueing Celery tasks after commit, the one way every app does it.

A task is queued only once the transaction that made its work commits (the worker must see the
rows). If the broker cannot take it — Redis restarting, the network blinking — the write that
already committed must stand and the page must answer: the failure is logged, and the work is
found again by the beat job that sweeps for it (unsent notifications, reports left pending).
In the embedded default the task runs in-process; its failure is logged the same way.
"""

import logging
import time

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# After a failed publish the broker is not tried again for this long, so an outage costs one
# request about a second (the publish retry policy), not every request.
BROKER_RETRY_SECONDS = 10.0
_broker_down_until = 0.0


def enqueue_on_commit(task, **kwargs) -> None:
    """Queue `task(**kwargs)` when the current transaction commits; never raises to the caller."""

    def send() -> None:
        global _broker_down_until
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        if not eager and time.monotonic() < _broker_down_until:
            logger.warning("Broker down: %s(%s) left for the beat sweep.", task.name, kwargs)
            return
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:
            if not eager:
                _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
            logger.exception("Could not queue %s(%s); the beat sweep will pick the work up.", task.name, kwargs)

    transaction.on_commit(send)
