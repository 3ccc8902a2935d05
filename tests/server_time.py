"""No web request in the test suite may take more than LIMIT_SECONDS of server time.

A middleware (installed first by tests/conftest.py, so it sees the whole request) times every
request the test client or a browser test's live server answers; the autouse fixture fails the test
that made a slow one. Work that production hands to a Celery worker runs inside the request here
(tasks are eager in tests): its time is a worker's, not the web node's, and is not counted — which
is exactly the line the portal draws: heavy work leaves the request (apps.core.filejobs, jobs)."""

import threading
import time

from celery.signals import task_postrun, task_prerun

LIMIT_SECONDS = 2.0
slow: list[str] = []
_here = threading.local()


def _task_started(**kwargs) -> None:
    _here.depth = getattr(_here, "depth", 0) + 1
    if _here.depth == 1:
        _here.task_started = time.perf_counter()


def _task_finished(**kwargs) -> None:
    _here.depth = getattr(_here, "depth", 1) - 1
    if _here.depth == 0 and getattr(_here, "task_started", None) is not None:
        _here.task_seconds = getattr(_here, "task_seconds", 0.0) + time.perf_counter() - _here.task_started
        _here.task_started = None


task_prerun.connect(_task_started, weak=False, dispatch_uid="tests_server_time_prerun")
task_postrun.connect(_task_finished, weak=False, dispatch_uid="tests_server_time_postrun")


class ServerTimeLimit:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _here.task_seconds = 0.0
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started - _here.task_seconds
        if seconds > LIMIT_SECONDS:
            slow.append(f"{request.method} {request.get_full_path()[:200]} took {seconds:.2f} s of server time")
        return response
