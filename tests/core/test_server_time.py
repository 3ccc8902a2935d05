"""The suite's guard on server time (tests/server_time.py): a request over the limit fails its test;
time spent in a task that production runs on a Celery worker does not count."""

from unittest import mock

from celery.signals import task_postrun, task_prerun
from django.http import HttpResponse
from django.test import RequestFactory

from tests import server_time


def _timed(seconds_in_view: float, seconds_in_task: float = 0.0) -> list[str]:
    clock = iter([0.0, 1.0, 1.0 + seconds_in_task, seconds_in_view + seconds_in_task])

    def view(request):
        if seconds_in_task:
            task_prerun.send(sender=None)
            task_postrun.send(sender=None)
        return HttpResponse("ok")

    if not seconds_in_task:
        clock = iter([0.0, seconds_in_view])
    with mock.patch.object(server_time.time, "perf_counter", side_effect=lambda: next(clock)):
        server_time.ServerTimeLimit(view)(RequestFactory().get("/track/"))
    found = list(server_time.slow)
    server_time.slow.clear()  # the guard of this very test must not fail it
    return found


def test_a_request_over_the_limit_is_reported_with_its_path():
    (found,) = _timed(2.5)
    assert found.startswith("GET /track/ took 2.50 s")
    assert _timed(1.9) == []


def test_the_time_of_a_task_a_worker_would_run_is_not_counted():
    assert _timed(1.5, seconds_in_task=30.0) == []
    assert len(_timed(2.5, seconds_in_task=30.0)) == 1


def test_the_guard_is_installed_first_for_every_client_and_live_server():
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == "tests.server_time.ServerTimeLimit"
