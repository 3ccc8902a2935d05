"""One beat schedules for the whole deployment: the others wait and take over when it stops."""

import threading
import time

import pytest
from django.core.cache import cache

from apps.core import beatlock
from apps.core.beatlock import BeatLock, beat_lock_hold


class _Service:
    """What beat_lock_hold needs of Celery's beat Service."""

    def __init__(self) -> None:
        self.stopped = threading.Event()

    def stop(self, wait: bool = False) -> None:
        self.stopped.set()


def test_the_first_beat_holds_the_lock_and_a_second_waits_until_it_is_left():
    first, second = BeatLock(seconds=60), BeatLock(seconds=60)
    assert first.take()
    assert not second.take()
    assert not second.renew()  # held by another: the second must not schedule
    first.release()
    assert second.take()
    assert cache.get(beatlock.KEY) == second.owner
    first.release()  # a beat that no longer holds the lock leaves it alone
    assert cache.get(beatlock.KEY) == second.owner


def test_a_lock_lost_with_the_caches_memory_is_taken_again_by_its_holder():
    lock = BeatLock(seconds=60)
    assert lock.take()
    cache.delete(beatlock.KEY)  # Redis restarted without persistence
    assert lock.renew()
    assert cache.get(beatlock.KEY) == lock.owner


def test_a_standby_takes_over_when_the_holder_stops_and_a_holder_that_lost_the_lock_stops():
    holder, standby = BeatLock(seconds=1), BeatLock(seconds=1)
    stop = threading.Event()
    service = _Service()
    beat_lock_hold(service, lock=holder, stop=stop)
    assert cache.get(beatlock.KEY) == holder.owner

    taken = threading.Event()
    standby_service = _Service()
    waiting = threading.Thread(
        target=lambda: (beat_lock_hold(standby_service, lock=standby, stop=stop), taken.set()), daemon=True
    )
    waiting.start()
    time.sleep(0.8)  # longer than the lock's life: the holder's renewals keep it
    assert not taken.is_set()
    assert not service.stopped.is_set()

    # Another beat writes over the lock (the holder was paused past its lifetime): the holder stops.
    cache.set(beatlock.KEY, "elsewhere", timeout=1)
    assert service.stopped.wait(2)
    cache.delete(beatlock.KEY)  # …and when that one is gone, the standby schedules
    assert taken.wait(2)
    assert cache.get(beatlock.KEY) == standby.owner
    stop.set()


def test_celery_beat_takes_the_lock_before_it_schedules(monkeypatch):
    from celery import signals

    from config import celery

    held = []
    monkeypatch.setattr(beatlock, "beat_lock_hold", lambda service: held.append(service) or BeatLock())
    signals.beat_init.send(sender="the beat service")
    assert held == ["the beat service"]
    assert celery._one_beat in [ref() for _key, ref in signals.beat_init.receivers]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("apps.desk.tasks.notify_request_event", "notifications"),
        ("apps.cases.tasks.case_notifications_resend", "notifications"),
        ("apps.api.tasks.webhook_deliver_task", "notifications"),
        ("apps.audits.tasks.audit_deadlines_notify", "notifications"),
        ("apps.reports.tasks.reports_compile_period", "reports"),
        ("apps.core.tasks.file_job_run", "printing"),
        ("apps.feedback.tasks.qr_card_images_draw", "printing"),
        ("apps.core.tasks.file_jobs_sweep", "celery"),
    ],
)
def test_each_kind_of_work_has_its_queue_and_a_plain_worker_consumes_them_all(task, queue):
    from config.celery import app

    assert app.amqp.router.route({}, task)["queue"].name == queue
    # The configured queues (a test may add its own to the running app's), which a worker without -Q consumes.
    assert {q.name for q in app.conf.task_queues} == {"celery", "notifications", "reports", "printing"}
