import pytest
from django.core.cache import cache

from apps.core import messaging
from apps.orgs import roles
from tests import server_time
from tests.factories import OrgUnitFactory, staff_user


@pytest.fixture(autouse=True)
def _isolated(settings):
    # Fast hashing in tests; rate-limit counters must not leak from one test to the next.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Jobs run where the test can see them finish (tests of the background thread switch it on).
    settings.JOBS_BACKGROUND_THREADS = False
    cache.clear()
    messaging.outbox.clear()
    yield
    cache.clear()
    messaging.outbox.clear()


@pytest.fixture(autouse=True)
def _files_kept_apart(settings, tmp_path):
    """Each test's files in a place of its own: a folder outside the project on the embedded
    default, a prefix of the bucket when S3_BUCKET is set (the suite's S3 run, .ci/run)."""
    if settings.S3_BUCKET:
        import uuid

        default = settings.STORAGES["default"]
        options = {**default["OPTIONS"], "location": f"tests/{uuid.uuid4().hex}"}
        settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": options}}
    else:
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _nothing_written_in_the_project():
    """With S3 configured, the suite writes no file under the project folder: every upload and
    generated file goes to the bucket. Only the tests' own outputs are let through."""
    from django.conf import settings

    if not settings.S3_BUCKET:
        yield
        return
    from tests.files import project_files, project_files_changed, s3_bucket_ensure

    s3_bucket_ensure()

    before = project_files()
    yield
    changed = project_files_changed(before)
    assert not changed, f"files written under the project folder with S3 configured: {changed[:20]}"


@pytest.fixture
def unit(db):
    return OrgUnitFactory()


@pytest.fixture
def clerk(unit):
    return staff_user(roles.DESK_CLERK, unit=unit)


@pytest.fixture
def supervisor(unit):
    return staff_user(roles.BODY_SUPERVISOR, unit=unit)


@pytest.fixture
def officer(unit):
    return staff_user(roles.UNIT_OFFICER, unit=unit)


@pytest.fixture(autouse=True)
def _rate_limit_window_held(monkeypatch):
    """django_ratelimit's windows end on the clock (a minute's window at a fixed second of it), so a
    test counting hits up to a limit failed whenever a window ended halfway through it. Its clock is
    held at the test's first second: every count of one test lands in one window."""
    import time
    from types import SimpleNamespace

    from django_ratelimit import core

    held = int(time.time())
    monkeypatch.setattr(core, "time", SimpleNamespace(time=lambda: held))


@pytest.fixture(autouse=True, scope="session")
def _server_time_limited():
    """Every request of the suite is timed (tests/server_time.py), for the client and live servers,
    in a process warmed up as gunicorn's workers are (WeasyPrint's fonts loaded: config/wsgi.py)."""
    from django.conf import settings

    from apps.core import pdf

    pdf.warm_up()

    previous = settings.MIDDLEWARE
    settings.MIDDLEWARE = ["tests.server_time.ServerTimeLimit", *previous]
    yield
    settings.MIDDLEWARE = previous


@pytest.fixture(autouse=True)
def _no_slow_request(_server_time_limited):
    server_time.slow.clear()
    yield
    if server_time.slow:
        found = list(server_time.slow)
        server_time.slow.clear()
        pytest.fail(f"a web request took more than {server_time.LIMIT_SECONDS} s: " + "; ".join(found))


@pytest.fixture(autouse=True, scope="session")
def _celery_eager_in_tests():
    """Tasks run in the test process even when a broker is configured (the PostgreSQL + Redis run);
    the one test that proves a real worker consumes the queue switches this off for itself."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
