"""The compile progress is visible in the page that asked for it: the list polls a JSON endpoint,
and with no broker (none configured, or down) the compilation runs in a thread of the web process,
so the request returns at once instead of hanging until the report is done, or never starting."""

import threading

import pytest
from django.urls import reverse

from apps.core import jobs
from apps.orgs import roles
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile, report_request
from tests.factories import staff_user


@pytest.fixture(autouse=True)
def _pdf_stubbed(monkeypatch):
    monkeypatch.setattr("apps.reports.services.render_pdf", lambda template, context: b"%PDF-1.7 stub")


def _join_jobs() -> list[str]:
    names = []
    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(timeout=60)
            names.append(thread.name)
    return names


def test_the_progress_endpoint_reports_status_and_progress_to_readers_only(client, world):
    provincial = staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3).user
    gilan = staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u4).user
    sari = Scope(Scope.COUNTY, world.sari.pk)
    report, _queued = report_request(kind="quarterly_county", period="1405-Q2", scope=sari, by=provincial)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=40)
    url = reverse("reports:progress", args=[report.pk])

    client.force_login(provincial)
    running = client.get(url).json()
    assert running["status"] == "running"
    assert running["progress"] == 40
    assert running["finished"] is False
    assert running["url"] == reverse("reports:status", args=[report.pk])

    Report.objects.filter(pk=report.pk).update(status=Report.Status.PENDING)  # its worker gave up
    report_compile(kind="quarterly_county", period="1405-Q2", scope=sari)
    done = client.get(url).json()
    assert (done["status"], done["progress"], done["finished"]) == ("done", 100, True)
    assert done["url"] == reverse("reports:detail", args=[report.pk])

    client.force_login(gilan)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)  # the thread sees only what is committed
@pytest.mark.parametrize("broker", ["none", "down"])
def test_without_a_broker_the_compilation_runs_beside_the_request_and_the_list_follows_it(
    client, world, settings, monkeypatch, broker
):
    """GIVEN no broker configured (eager), or one that refuses the publish
    WHEN an auditor asks for Sari's quarter
    THEN the request returns to the list with the report still queued, a thread of the web process
    compiles it, and the list's progress endpoint then says it is done."""
    settings.JOBS_BACKGROUND_THREADS = True
    monkeypatch.setattr(jobs, "_broker_down_until", 0.0)
    started = threading.Event()
    if broker == "down":
        settings.CELERY_TASK_ALWAYS_EAGER = False

        def refuse(*args, **kwargs):
            raise ConnectionError("broker down")

        monkeypatch.setattr("apps.reports.tasks.reports_compile_period.apply_async", refuse)
    else:
        settings.CELERY_TASK_ALWAYS_EAGER = True
    # The compilation waits until the request has answered: proof that it does not run inside it.
    compile_for_real = report_compile

    def held_compile(**kwargs):
        assert started.wait(30)
        return compile_for_real(**kwargs)

    monkeypatch.setattr("apps.reports.services.report_compile", held_compile)
    client.force_login(staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3).user)

    response = client.post(
        reverse("reports:request"),
        {"kind": "quarterly_county", "period": "1405-Q2", "scope": f"county:{world.sari.pk}"},
    )
    report = Report.objects.get()
    assert response["Location"] == f"{reverse('reports:list')}#report-{report.pk}"
    assert report.status == Report.Status.PENDING
    assert [r.pk for r in client.get(reverse("reports:list")).context["in_progress"]] == [report.pk]

    started.set()
    assert _join_jobs() == ["job-apps.reports.tasks.reports_compile_period"]
    report.refresh_from_db()
    assert (report.status, report.progress) == (Report.Status.DONE, 100)
    assert client.get(reverse("reports:progress", args=[report.pk])).json()["finished"] is True


def test_the_schedules_reports_are_not_compiled_in_a_web_thread(
    world, settings, django_capture_on_commit_callbacks
):
    """Only a compilation someone asked for (and waits for) runs beside the request; the nightly
    schedule's reports go to the worker (here: eager, in the caller)."""
    settings.JOBS_BACKGROUND_THREADS = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        report, _queued = report_request(
            kind="quarterly_county", period="1405-Q2", scope=Scope(Scope.COUNTY, world.sari.pk)
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("job-")]
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
