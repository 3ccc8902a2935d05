"""Queueing Celery tasks after commit, the one way every app does it.

A task is queued only once the transaction that made its work commits (the worker must see the
rows). If the broker cannot take it — Redis restarting, the network blinking — the write that
already committed must stand and the page must answer: the failure is logged, and the work is
found again by the beat job that sweeps for it (unsent notifications, reports left pending).
In the embedded default the task runs in-process; its failure is logged the same way.

A long job that a person waits for (a report compilation) is queued with `background=True`: when
there is no broker to take it — none configured, or down — it runs in a thread of the web process,
so the request that asked returns at once and its page can follow the progress the job writes to
its row. (A web worker recycled meanwhile leaves the row pending; it goes stale and is queued again.)
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

# After a failed publish the broker is not tried again for this long, so an outage costs one
# request about a second (the publish retry policy), not every request.
BROKER_RETRY_SECONDS = 10.0
_broker_down_until = 0.0


def enqueue_on_commit(task, *, background: bool = False, **kwargs) -> None:
    """Queue `task(**kwargs)` when the current transaction commits; never raises to the caller.
    `background`: with no broker to take it, run it in a thread here instead of in the request."""

    def send() -> None:
        global _broker_down_until
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        here = background and settings.JOBS_BACKGROUND_THREADS
        if here and eager:
            run_in_thread(task, **kwargs)
            return
        if not eager and time.monotonic() < _broker_down_until:
            if here:
                logger.warning("Broker down: %s(%s) runs in this process.", task.name, kwargs)
                run_in_thread(task, **kwargs)
                return
            logger.warning("Broker down: %s(%s) left for the beat sweep.", task.name, kwargs)
            return
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:
            if not eager:
                _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
            if here and not eager:
                logger.exception("Could not queue %s(%s); it runs in this process.", task.name, kwargs)
                run_in_thread(task, **kwargs)
                return
            logger.exception("Could not queue %s(%s); the beat sweep will pick the work up.", task.name, kwargs)

    transaction.on_commit(send)


def run_in_thread(task, **kwargs) -> threading.Thread:
    """Run `task(**kwargs)` in a daemon thread of this process (its own database connection, closed
    at the end); a failure is logged. Returns the started thread."""

    def run() -> None:
        try:
            task.apply(kwargs=kwargs, throw=True)
        except Exception:
            logger.exception("%s(%s) failed in a background thread.", task.name, kwargs)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"job-{task.name}", daemon=True)
    thread.start()
    return thread
