"""Report pages: the list with its on-demand form, the progress page, the report and its files."""


from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core.access import role_required
from apps.reports import selectors
from apps.reports.forms import ReportFilterForm, ReportRequestForm, default_period
from apps.reports.models import Report
from apps.reports.services import report_request

PER_PAGE = 30


def _request_form(user, data=None) -> ReportRequestForm:
    scopes = selectors.requestable_scopes(user)
    form = ReportRequestForm(data, scopes=scopes)
    if data is None:
        kinds = [k for k, _label in form.fields["kind"].choices]
        kind = next(
            (k for k in ("quarterly_province", "quarterly_body") if k in kinds), kinds[0] if kinds else ""
        )
        form.initial = {
            "kind": kind,
            "period": default_period("Q"),
            "scope": scopes[0][0].key if scopes else "",
        }
    return form


def _list_page(request: HttpRequest, form: ReportRequestForm, *, status: int = 200) -> HttpResponse:
    filters = ReportFilterForm(request.GET or None)
    reports = filters.apply(selectors.report_list(user=request.user))
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report_list.html",
        {
            "filters": filters,
            "form": form,
            "page": page,
            "reports": page.object_list,
            "periods": {letter: default_period(letter) for letter in "QBH"},
            "in_progress": list(selectors.reports_in_progress(user=request.user)),
        },
        status=status,
    )


@role_required(*selectors.READER_ROLES)
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports the user may read, with filters, and the form that compiles one on demand."""
    return _list_page(request, _request_form(request.user))


@role_required(*selectors.READER_ROLES)
@require_POST
def report_new(request: HttpRequest) -> HttpResponse:
    """Queue a report on demand and go back to the list, which shows its progress."""
    form = _request_form(request.user, request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    report, _queued = report_request(
        kind=data["kind"], period=data["period"], scope=data["scope_obj"], by=request.user
    )
    report.refresh_from_db(fields=["status"])
    if report.status == Report.Status.DONE:  # compiled within the request (no broker, no threads)
        return redirect("reports:detail", pk=report.pk)
    return redirect(f"{reverse('reports:list')}#report-{report.pk}")


def _readable(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(selectors.report_list(user=request.user), pk=pk)


@role_required(*selectors.READER_ROLES)
@require_safe
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a compilation; refreshes itself every 3 s (no script) until the report is ready."""
    report = _readable(request, pk)
    if report.status == Report.Status.DONE:
        return redirect("reports:detail", pk=report.pk)
    return render(
        request, "reports/report_status.html", {"report": report, "refresh": not report.is_finished}
    )


@role_required(*selectors.READER_ROLES)
@require_safe
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Status and progress of a compilation as JSON, polled by the page that asked for it."""
    report = _readable(request, pk)
    done = report.status == Report.Status.DONE
    response = JsonResponse(
        {
            "status": report.status,
            "label": str(report.get_status_display()),
            "progress": report.progress,
            "finished": report.is_finished,
            "url": reverse("reports:detail" if done else "reports:status", args=[report.pk]),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*selectors.READER_ROLES)
@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen figures with their charts, the ranking and its formula, and the downloads."""
    report = _readable(request, pk)
    if report.status != Report.Status.DONE or not report.figures:
        return redirect("reports:status", pk=report.pk)
    template = (
        "reports/report_audit.html"
        if report.kind == Report.Kind.BIMONTHLY_AUDIT
        else "reports/report_detail.html"
    )
    return render(request, template, {"report": report, "figures": report.figures})


def _file(report: Report, field: str, content_type: str) -> FileResponse:
    stored = getattr(report, field)
    if report.status != Report.Status.DONE or not stored:
        raise Http404(_("The report has no file yet."))
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:  # removed from the folder or bucket: compiling again makes it
        raise Http404(_("The report's file is missing; compile the report again.")) from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=field == "xlsx",
        filename=stored.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*selectors.READER_ROLES)
@require_safe
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    return _file(_readable(request, pk), "pdf", "application/pdf")


@role_required(*selectors.READER_ROLES)
@require_safe
def report_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    from apps.reports.excel import XLSX_MIME

    return _file(_readable(request, pk), "xlsx", XLSX_MIME)
