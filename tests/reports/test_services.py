"""Compiling a report: idempotent figures, replaced files, failures recorded, on-demand requests
queued once, and the scopes and kinds that make a report."""

from pathlib import Path

import pytest
from django.core.management import call_command

from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import ReportError, report_check, report_compile, report_request
from tests.reports.conftest import PERIOD, _request, at


def test_compiling_a_period_again_gives_identical_figures_and_new_files(world):
    """GIVEN a compiled quarterly report WHEN it is compiled again — after a request of the next quarter
    and an answer to an old request have been registered — THEN the frozen figures are equal, and
    the PDF and Excel files are replaced, not added."""
    scope = Scope(Scope.PROVINCE, world.mazandaran.pk)
    first = report_compile(kind=Report.Kind.QUARTERLY_PROVINCE, period=PERIOD, scope=scope)
    figures, pdf_name = first.figures, first.pdf.name
    assert first.status == Report.Status.DONE
    assert first.progress == 100
    assert first.finished_at

    _request(world.requests[0].service, world.u1, received=at(7, 20), answered=at(7, 25))  # next quarter
    second = report_compile(kind=Report.Kind.QUARTERLY_PROVINCE, period=PERIOD, scope=scope)
    second.refresh_from_db()
    assert second.pk == first.pk
    assert second.figures == figures
    assert Report.objects.count() == 1
    assert second.pdf.name == pdf_name  # the old file was deleted first, so the name is reused
    assert second.pdf.storage.exists(second.pdf.name)
    assert second.xlsx.storage.exists(second.xlsx.name)
    _folders, files = second.pdf.storage.listdir(f"reports/{PERIOD}")
    assert sorted(Path(name).suffix for name in files) == [".pdf", ".xlsx"]


def test_a_failed_compilation_is_recorded_on_the_report(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("apps.reports.services.report_figures", broken)
    with pytest.raises(RuntimeError):
        report_compile(kind=Report.Kind.QUARTERLY_BODY, period=PERIOD, body=world.roads)
    report = Report.objects.get()
    assert report.status == Report.Status.FAILED
    assert "database went away" in report.error
    assert report.scope_key == f"body:{world.roads.pk}"


def test_on_demand_request_queues_once_and_compiles(world, django_capture_on_commit_callbacks):
    scope = Scope(Scope.COUNTY, world.sari.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, queued = report_request(kind=Report.Kind.QUARTERLY_COUNTY, period=PERIOD, scope=scope)
        again, queued_again = report_request(kind=Report.Kind.QUARTERLY_COUNTY, period=PERIOD, scope=scope)
    assert (queued, queued_again, again.pk) == (True, False, report.pk)
    assert len(callbacks) == 1
    assert Report.objects.get().status == Report.Status.PENDING
    callbacks[0]()  # Celery is eager in tests: the task compiles it now
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.figures["requests"]["received"] == 1


@pytest.mark.parametrize(
    ("kind", "period", "scope", "message"),
    [
        ("quarterly_body", "1405-B3", Scope(Scope.BODY, 1), "covers a period like"),
        ("quarterly_body", "1405-Q2", Scope(Scope.PROVINCE, 1), "not compiled for the scope"),
        ("halfyear_national", "1405-H3", Scope(Scope.NATIONAL), "No such period"),
        ("weekly", "1405-Q2", Scope(Scope.NATIONAL), "unknown report kind"),
        ("quarterly_body", "1405-Q2", Scope(Scope.BODY, 999999), "no body with id"),
    ],
)
def test_kind_period_and_scope_must_fit(db, kind, period, scope, message):
    with pytest.raises(ReportError, match=message):
        report_check(kind=kind, period=period, scope=scope)


def test_scope_keys_parse_and_stay_unique(world):
    assert Scope.parse("province:7") == Scope(Scope.PROVINCE, 7)
    assert Scope.parse("NATIONAL").key == "national"
    for bad in ("province", "province:x", "city:3", "province:۷"):
        with pytest.raises(ValueError, match="A scope is written"):
            Scope.parse(bad)
    with pytest.raises(ValueError, match="not several"):
        Scope.of(body=1, province=2)


def test_command_compiles_every_scope_of_a_period_and_says_what(world, capsys):
    """1405-H1 is the national compilation: one report, printed with its files."""
    call_command("compile_reports", "--period", "1405-H1")
    out = capsys.readouterr().out
    assert "halfyear_national 1405-H1 national — done" in out
    assert ".pdf" in out
    assert ".xlsx" in out
    report = Report.objects.get()
    assert report.figures["requests"]["received"] == 8  # r1–r8 fall in Farvardin–Shahrivar
    call_command(
        "compile_reports",
        "--period",
        "1405-Q2",
        "--kind",
        "quarterly_county",
        "--scope",
        f"county:{world.sari.pk}",
    )
    assert Report.objects.filter(kind="quarterly_county").count() == 1
    call_command("compile_reports", "--period", "1405-Q2")  # bodies, counties, provinces with units
    assert Report.objects.filter(kind="quarterly_body").count() == 4
    assert Report.objects.filter(kind="quarterly_province").count() == 2


def test_command_refuses_a_kind_of_another_period_length(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="covers periods like"):
        call_command("compile_reports", "--period", "1405-Q2", "--kind", "bimonthly_audit")
    with pytest.raises(CommandError, match="No report covers a period like 1405-Y"):
        call_command("compile_reports", "--period", "1405-Y")
