"""Degraded, not down: with Redis (cache and broker) stopped, public pages, login and intake work,
and the news of what happened while it was down is sent exactly once when it is back."""

import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core import jobs, messaging
from apps.desk.models import Notification, ServiceRequest
from apps.desk.tasks import notifications_resend_failed
from apps.orgs import roles
from tests.factories import SubServiceFactory, WorkflowStageFactory, staff_user
from tests.outages import redis_server  # noqa: F401 - a fixture

NATIONAL_CODE = "0499370899"


@contextlib.contextmanager
def celery_broker(url: str):
    """Tasks go to the broker at `url` (not run in-process), as in a deployment."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None
        jobs._broker_down_until = 0.0


@pytest.fixture
def redis_backed(settings, redis_server):  # noqa: F811
    """The cache and the broker of a deployment, on a Redis server this test may stop."""
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"RETRY_SECONDS": 0.5},
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_server.url
    with celery_broker(redis_server.url):
        yield redis_server


@pytest.fixture
def service(db):
    clerk = staff_user(roles.DESK_CLERK)
    service = SubServiceFactory(body=clerk.unit.body, title="صدور گواهی عدم خلافی")
    for n in (1, 2):
        WorkflowStageFactory(service=service, order=n, responsible_unit=clerk.unit)
    service.clerk = clerk
    return service


def _intake(client, service) -> ServiceRequest:
    client.force_login(service.clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        {"national_code": NATIONAL_CODE, "full_name": "سارا محمدی", "mobile": "09121234567"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ServiceRequest.objects.get(national_code=NATIONAL_CODE)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_intake_saves_and_public_pages_answer(client, service, redis_backed):
    """GIVEN Redis (cache and broker) stopped WHEN a clerk registers a request and a citizen tracks it
    and opens the catalog THEN every page answers, the request and its pending SMS are saved."""
    redis_backed.stop()

    started = time.monotonic()
    sr = _intake(client, service)

    assert sr.stages.count() == 2
    (row,) = Notification.objects.filter(request=sr, channel=Notification.Channel.SMS)
    assert row.state == Notification.State.PENDING  # kept for the sweep, not lost
    assert messaging.outbox == []
    client.logout()
    assert client.get(f"/track/?code={sr.tracking_code}").status_code == 200
    assert client.head(f"/track/?code={sr.tracking_code}").status_code == 200
    assert client.get("/services/").status_code == 200
    assert client.get("/services/?q=گواهی").status_code == 200
    assert client.post(reverse("login"), {"username": "nobody", "password": "wrong"}).status_code == 200
    probe_started = time.monotonic()
    health = client.get("/healthz")
    assert time.monotonic() - probe_started < 1.5  # a load balancer's probe is not kept waiting
    assert health.status_code == 200  # the node stays in the pool
    assert health.json() == {
        "status": "degraded", "database": "ok", "cache": "down", "broker": "down",
        "storage": "ok" if django_settings.S3_BUCKET else "local",  # the bucket is not Redis: it still answers
    }
    # The outage costs about a second once (the publish retry), not a stall per call.
    assert time.monotonic() - started < 8


@pytest.mark.django_db(transaction=True)
def test_rate_limits_still_hold_while_redis_is_down(client, settings, redis_backed):
    settings.LOGIN_RATE = "3/h"
    redis_backed.stop()
    codes = [
        client.post(reverse("login"), {"username": "victim", "password": f"guess{i}"}).status_code for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.django_db(transaction=True)
def test_the_sms_of_an_outage_is_sent_once_when_redis_is_back(client, service, redis_backed, settings):
    """GIVEN a request registered while Redis was down WHEN Redis is back and beat's sweep runs (twice)
    THEN the applicant gets the registration SMS exactly once."""
    redis_backed.stop()
    sr = _intake(client, service)
    redis_backed.start()
    Notification.objects.filter(request=sr).update(created_at=timezone.now() - dt.timedelta(minutes=6))

    # What beat queues every 10 minutes, run here in-process (a worker process: the next test).
    notifications_resend_failed.apply()
    notifications_resend_failed.apply()

    (row,) = Notification.objects.filter(request=sr, channel=Notification.Channel.SMS)
    assert (row.state, row.attempts) == (Notification.State.SENT, 1)
    assert [m.mobile for m in messaging.outbox] == ["09121234567"]
    assert cache.get("still-here") is None
    cache.set("still-here", 1)
    assert cache.get("still-here") == 1  # the cache is Redis again


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_outage_sms_once_after_redis_returns(client, service, redis_backed, tmp_path):
    """GIVEN a request registered while Redis was down WHEN Redis returns and beat's sweep is queued
    to a real Celery worker THEN its SMS row is SENT after one attempt, and a second sweep sends nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test's database only on PostgreSQL")
    redis_backed.stop()
    sr = _intake(client, service)
    redis_backed.start()
    Notification.objects.filter(request=sr).update(created_at=timezone.now() - dt.timedelta(minutes=6))

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_backed.url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=Path(django_settings.BASE_DIR), env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    try:
        for _sweep in range(2):
            notifications_resend_failed.apply_async()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "notifications_resend_failed" in log.read_text() and log.read_text().count("succeeded") >= 2:
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.3)
        rows = list(Notification.objects.filter(request=sr))
        assert [(r.channel, r.state, r.attempts) for r in rows] == [
            (Notification.Channel.SMS, Notification.State.SENT, 1)
        ], log.read_text()[-3000:]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
