"""The schedule: the beat task compiles the reports of a finished period once and a second run changes
nothing; the beat entries exist; and — on PostgreSQL + Redis — a real Celery worker compiles a report."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection

from apps.core.jalali import jalali_to_gregorian
from apps.reports import tasks
from apps.reports.models import Report
from apps.reports.services import reports_due
from tests.files import storage_env
from tests.reports.conftest import PERIOD

QUARTERLY = ["quarterly_body", "quarterly_county", "quarterly_province"]


def _today(monkeypatch, year: int, month: int, day: int) -> None:
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: jalali_to_gregorian(year, month, day))


def test_beat_compiles_a_finished_quarter_once_and_a_second_run_changes_nothing(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    """GIVEN the night of 1405/07/02, after the second quarter ended WHEN the quarterly beat task runs
    THEN every body, county and province with units gets its 1405-Q2 report, compiled (Celery is
    eager here); WHEN it runs again THEN nothing is queued and no row or figure changes."""
    _today(monkeypatch, 1405, 7, 2)
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.reports_compile_due.delay(kinds=QUARTERLY).get()
    # Bodies: ministry, roads, registry, Gilan roads; counties: Sari; provinces: Mazandaran, Gilan.
    assert queued == 7
    reports = Report.objects.filter(period=PERIOD)
    assert reports.count() == 7
    assert set(reports.values_list("status", flat=True)) == {Report.Status.DONE}
    before = {r.pk: (r.figures, r.finished_at, r.pdf.name) for r in reports}
    mazandaran = reports.get(scope_key=f"province:{world.mazandaran.pk}")
    assert mazandaran.figures["requests"]["received"] == 6

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.reports_compile_due.delay(kinds=QUARTERLY).get() == 0
    assert callbacks == []
    assert {r.pk: (r.figures, r.finished_at, r.pdf.name) for r in Report.objects.all()} == before


def test_beat_retries_a_failed_report_and_leaves_a_queued_one_alone(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    Report.objects.create(
        kind="quarterly_province", period=PERIOD, province=world.mazandaran, status=Report.Status.FAILED
    )
    Report.objects.create(
        kind="quarterly_province", period=PERIOD, province=world.gilan, status=Report.Status.PENDING
    )
    due = reports_due(kinds=["quarterly_province"], today=jalali_to_gregorian(1405, 7, 2))
    assert [(kind, str(period), scope.key) for kind, period, scope in due] == [
        ("quarterly_province", PERIOD, f"province:{world.mazandaran.pk}")
    ]


def test_audit_summaries_wait_for_the_grace_days(world):
    """On 1405/07/05 the last bimonth to end was B3 (Mordad–Shahrivar); with 10 days of grace the
    audit summaries are still those of B2."""
    today = jalali_to_gregorian(1405, 7, 5)
    periods = {str(p) for _k, p, _s in reports_due(kinds=["bimonthly_audit"], today=today)}
    assert periods == {"1405-B3"}
    periods = {
        str(p) for _k, p, _s in reports_due(kinds=["bimonthly_audit"], today=today, audit_grace_days=10)
    }
    assert periods == {"1405-B2"}
    scopes = {s.key for _k, _p, s in reports_due(kinds=["bimonthly_audit"], today=today)}
    assert scopes == {"national", f"province:{world.mazandaran.pk}", f"province:{world.gilan.pk}"}
    assert {str(p) for _k, p, _s in reports_due(kinds=["halfyear_national"], today=today)} == {"1405-H1"}


def test_beat_schedule_has_the_three_report_entries():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    entries = {name: entry for name, entry in schedule.items() if name.startswith("reports-")}
    assert set(entries) == {"reports-quarterly", "reports-bimonthly-audit", "reports-halfyear-national"}
    for entry in entries.values():
        assert entry["task"] == "apps.reports.tasks.reports_compile_due"
    assert entries["reports-quarterly"]["kwargs"]["kinds"] == QUARTERLY
    assert entries["reports-bimonthly-audit"]["kwargs"]["audit_grace_days"] == 10
    from config.celery import app

    assert "apps.reports.tasks.reports_compile_due" in app.tasks


# --- a real worker --------------------------------------------------------------------------------


def _real_stack() -> str | None:
    """Why the real-worker test cannot run here, or None when it can."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: a worker process cannot share the test's SQLite database"
    if not str(django_settings.CELERY_BROKER_URL or "").startswith(("redis://", "rediss://")):
        return "needs a Redis broker (set REDIS_URL)"
    return None


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# Decided before the test's setup.
_NO_REAL_STACK = _real_stack()


# Transactional without serialized_rollback: restoring the serialized database collides with the role
# groups that an earlier transactional test's flush re-created (post_migrate, new ids), which depended
# on which tests the worker had run before. The test builds all it reads (`world`).
@pytest.mark.skipif(_NO_REAL_STACK is not None, reason=_NO_REAL_STACK or "")
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_compiles_a_report(world, settings, tmp_path):
    """GIVEN a Celery worker started as its own process on a queue of its own, with the test's
    database and broker WHEN the compile task is sent to that queue THEN the worker compiles the report
    (the row reaches "done" and its files exist)."""
    from config.celery import app

    queue = f"reports-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),  # test_<name>: the database this test writes to
        "CELERY_BROKER_URL": str(settings.CELERY_BROKER_URL),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **storage_env(settings),
        "DEBUG": "1",
        # A worker on a host of its own: an empty working directory, the code found by its path.
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    cwd = tmp_path / "worker-cwd"
    cwd.mkdir()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
        ],
        cwd=cwd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        # A connection of its own to the broker of this run: the app's producer pool may still hold
        # one to a Redis an earlier test of this process stopped (tests/core/test_outages.py).
        with app.connection_for_write(str(settings.CELERY_BROKER_URL)) as connection:
            tasks.reports_compile_period.apply_async(
                kwargs={
                    "kind": "quarterly_province",
                    "period": PERIOD,
                    "scope": f"province:{world.mazandaran.pk}",
                },
                queue=queue,
                connection=connection,
            )
        deadline = time.monotonic() + 120
        report = None
        while time.monotonic() < deadline:
            report = Report.objects.filter(period=PERIOD, scope_key=f"province:{world.mazandaran.pk}").first()
            if report and report.is_finished:
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.5)
        assert report is not None, log.read_text()[-4000:]
        assert report.status == Report.Status.DONE, log.read_text()[-4000:]
        assert report.figures["requests"]["received"] == 6
        assert report.pdf.storage.exists(report.pdf.name)  # where the test's storage finds them
        assert report.xlsx.storage.exists(report.xlsx.name)
        assert list(cwd.iterdir()) == []  # nothing written beside the worker
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
