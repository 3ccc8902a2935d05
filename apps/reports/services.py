"""Writes of the periodic reports: queue a compilation, compile one report, find what is due.

A report is identified by (kind, period, scope). Compiling it again replaces its files but not its
figures: they are computed from rows timestamped inside the finished period (see figures.py), so
the frozen JSON comes out the same.
"""

import datetime as dt
import json
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.core.jalali import Period
from apps.core.jobs import enqueue_on_commit
from apps.core.pdf import render_pdf
from apps.orgs.models import Body, County, OrgUnit, Province
from apps.reports import annex3, excel
from apps.reports.figures import report_figures
from apps.reports.models import Report
from apps.reports.scopes import Scope

logger = logging.getLogger(__name__)

Kind = Report.Kind
Status = Report.Status

# The period each kind covers and the scopes it is compiled for.
KIND_PERIOD = {
    Kind.QUARTERLY_BODY: "Q",
    Kind.QUARTERLY_COUNTY: "Q",
    Kind.QUARTERLY_PROVINCE: "Q",
    Kind.BIMONTHLY_AUDIT: "B",
    Kind.HALFYEAR_NATIONAL: "H",
}
KIND_SCOPES = {
    Kind.QUARTERLY_BODY: {Scope.BODY},
    Kind.QUARTERLY_COUNTY: {Scope.COUNTY},
    Kind.QUARTERLY_PROVINCE: {Scope.PROVINCE},
    Kind.BIMONTHLY_AUDIT: {Scope.NATIONAL, Scope.PROVINCE, Scope.BODY},
    Kind.HALFYEAR_NATIONAL: {Scope.NATIONAL},
}
KIND_TEMPLATE = {Kind.BIMONTHLY_AUDIT: "pdf/report_audit.html"}
PERFORMANCE_TEMPLATE = "pdf/report_performance.html"

# A compilation that has said nothing for this long died with its worker; it may be started again.
STALE_AFTER = dt.timedelta(hours=1)


class ReportError(ValueError):
    """A kind, period and scope that do not make a report."""


def report_check(*, kind: str, period: Period | str, scope: Scope) -> Period:
    """The parsed period, or ReportError when kind, period and scope do not fit together."""
    if kind not in KIND_PERIOD:
        raise ReportError(f"unknown report kind {kind!r}")
    try:
        period = Period.parse(period) if isinstance(period, str) else period
    except ValueError as exc:
        raise ReportError(str(exc)) from exc
    if period.kind != KIND_PERIOD[kind]:
        raise ReportError(
            f"a {kind} report covers a period like {period.year}-{KIND_PERIOD[kind]}1, not {period}"
        )
    if scope.level not in KIND_SCOPES[kind]:
        raise ReportError(f"a {kind} report is not compiled for the scope {scope.key}")
    if scope.model and not scope.model.objects.filter(pk=scope.id).exists():
        raise ReportError(f"no {scope.level} with id {scope.id}")
    return period


def _stale(report: Report, now: dt.datetime) -> bool:
    return (report.started_at or report.created_at) < now - STALE_AFTER


@transaction.atomic
def report_request(*, kind: str, period: Period | str, scope: Scope, by=None) -> tuple[Report, bool]:
    """Queue a report on demand (on commit); (report, False) when the same one is already queued or
    being compiled, so a double click or two auditors asking at once compile it once."""
    period = report_check(kind=kind, period=period, scope=scope)
    report, created = Report.objects.select_for_update().get_or_create(
        kind=kind, period=str(period), scope_key=scope.key, defaults={**scope.fields, "requested_by": by}
    )
    now = timezone.now()
    if not created and report.status in (Status.PENDING, Status.RUNNING) and not _stale(report, now):
        return report, False
    report.status, report.progress, report.error, report.requested_by = Status.PENDING, 0, "", by
    report.started_at = report.finished_at = None
    report.save()
    _queue(kind=kind, period=str(period), scope=scope, someone_waits=by is not None)
    return report, True


def _queue(*, kind: str, period: str, scope: Scope, someone_waits: bool = False) -> None:
    from apps.reports.tasks import reports_compile_period

    # Asked for by a person and no broker to take it: the compilation runs in a thread of this web
    # process, so the page that asked shows its progress. The schedule's reports wait for the worker.
    # A report left PENDING goes stale and is queued again.
    enqueue_on_commit(
        reports_compile_period, background=someone_waits, kind=kind, period=period, scope=scope.key
    )


def _claim(*, kind: str, period: Period, scope: Scope) -> Report | None:
    """Mark the report running (creating it if needed); None when another worker is compiling it."""
    now = timezone.now()
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(
            kind=kind, period=str(period), scope_key=scope.key, defaults=scope.fields
        )
        if report.status == Status.RUNNING and not _stale(report, now):
            return None
        report.status, report.progress, report.error = Status.RUNNING, 1, ""
        report.started_at, report.finished_at = now, None
        report.save(update_fields=["status", "progress", "error", "started_at", "finished_at"])
    return report


def _progress(report: Report, value: int) -> None:
    # Committed at once (the compilation is not one transaction), so the status page sees it.
    Report.objects.filter(pk=report.pk).update(progress=value)


def _filename(report: Report, ext: str) -> str:
    return f"{report.kind}-{report.period}-{report.scope_key.replace(':', '-')}.{ext}"


def _pdf_context(report: Report, figures: dict) -> dict:
    scope = report.scope
    return {
        "report": report,
        "figures": figures,
        "body": Body.objects.select_related("parent").get(pk=scope.id) if scope.level == Scope.BODY else None,
        "printed_at": timezone.now(),
    }


def report_compile(
    *, kind: str, period: Period | str, scope: Scope | None = None, body=None, county=None, province=None
) -> Report:
    """Compile one report: freeze its figures, render its PDF and Excel, mark it done. Running it
    again gives the same figures and new files; a failure is recorded on the row and raised."""
    scope = scope or Scope.of(body=body, county=county, province=province)
    period = report_check(kind=kind, period=period, scope=scope)
    report = _claim(kind=kind, period=period, scope=scope)
    if report is None:
        logger.info("report %s %s %s is being compiled elsewhere", kind, period, scope.key)
        return Report.objects.get(kind=kind, period=str(period), scope_key=scope.key)
    try:
        if kind == Kind.BIMONTHLY_AUDIT:
            figures = annex3.audit_report_figures(scope=scope, period=period, kind=kind)
            _progress(report, 60)
        else:
            figures = report_figures(
                scope=scope, period=period, kind=kind, progress=lambda v: _progress(report, v)
            )
        # Exactly what the JSON column gives back, so the files and the page read the same data.
        figures = json.loads(json.dumps(figures, sort_keys=True, ensure_ascii=False))
        pdf = render_pdf(KIND_TEMPLATE.get(kind, PERFORMANCE_TEMPLATE), _pdf_context(report, figures))
        _progress(report, 85)
        xlsx = (
            excel.audit_report_xlsx(figures) if kind == Kind.BIMONTHLY_AUDIT else excel.report_xlsx(figures)
        )
        _progress(report, 95)
        with transaction.atomic():
            for field in (report.pdf, report.xlsx):
                if field:
                    field.delete(save=False)
            report.pdf.save(_filename(report, "pdf"), ContentFile(pdf), save=False)
            report.xlsx.save(_filename(report, "xlsx"), ContentFile(xlsx), save=False)
            report.figures = figures
            report.status, report.progress, report.finished_at = Status.DONE, 100, timezone.now()
            report.save(update_fields=["pdf", "xlsx", "figures", "status", "progress", "finished_at"])
    except Exception as exc:
        logger.exception("report %s %s %s failed", kind, period, scope.key)
        Report.objects.filter(pk=report.pk).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    return report


# --- the schedule ---------------------------------------------------------------------------------


def last_finished(kind_letter: str, today: dt.date) -> Period:
    """The latest period of that length that ended before `today` (a Tehran date)."""
    current = Period.containing(today, kind_letter)
    return Period.containing(current.start - dt.timedelta(days=1), kind_letter)


def scopes_for(kind: str) -> list[Scope]:
    """Every scope the schedule compiles a kind for: each body, county and province with org units;
    the country (and each province, for the audit summaries)."""
    with_units = OrgUnit.objects.values("pk")
    if kind == Kind.QUARTERLY_BODY:
        ids = Body.objects.filter(units__in=with_units).distinct().order_by("pk").values_list("pk", flat=True)
        return [Scope(Scope.BODY, pk) for pk in ids]
    if kind == Kind.QUARTERLY_COUNTY:
        ids = (
            County.objects.filter(units__in=with_units).distinct().order_by("pk").values_list("pk", flat=True)
        )
        return [Scope(Scope.COUNTY, pk) for pk in ids]
    provinces = [
        Scope(Scope.PROVINCE, pk)
        for pk in Province.objects.filter(units__in=with_units)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    if kind == Kind.QUARTERLY_PROVINCE:
        return provinces
    if kind == Kind.BIMONTHLY_AUDIT:
        return [Scope(Scope.NATIONAL), *provinces]
    return [Scope(Scope.NATIONAL)]


def reports_due(*, kinds, today: dt.date, audit_grace_days: int = 0) -> list[tuple[str, Period, Scope]]:
    """(kind, period, scope) of the scheduled reports of the last finished period that are not done
    yet (never compiled, or failed, or abandoned by a dead worker). Audit summaries wait
    `audit_grace_days` after their bimonth so evaluators can verify the forms."""
    due = []
    now = timezone.now()
    for kind in kinds:
        letter = KIND_PERIOD[kind]
        grace = audit_grace_days if kind == Kind.BIMONTHLY_AUDIT else 0
        period = last_finished(letter, today - dt.timedelta(days=grace))
        existing = {
            r.scope_key: r
            for r in Report.objects.filter(kind=kind, period=str(period)).only(
                "scope_key", "status", "started_at", "created_at"
            )
        }
        for scope in scopes_for(kind):
            report = existing.get(scope.key)
            if (
                report is None
                or report.status == Status.FAILED
                or (report.status in (Status.PENDING, Status.RUNNING) and _stale(report, now))
            ):
                due.append((kind, period, scope))
    return due
