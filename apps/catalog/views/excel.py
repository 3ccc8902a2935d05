"""Excel download and upload of a body's catalog, for desk supervisors and administrators."""

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from apps.catalog import excel, selectors
from apps.core.access import role_required
from apps.core.filejobs import file_job_start
from apps.core.forms import PortalForm
from apps.core.models import FileJob
from apps.core.uploads import SPREADSHEETS, validate_upload
from apps.orgs import roles
from apps.orgs.models import Body

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# More rows than this make the page heavy; the counts above the table still tell the whole story.
SHOWN_ERRORS = 500


def _body_in_scope(user, body_id: int) -> Body:
    """The body if it has a unit in the user's scope; a body outside it does not exist for them."""
    body = selectors.manage_body_list(user=user).filter(pk=body_id).first()
    if body is None:
        raise Http404
    return body


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX_MIME)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


class CatalogUploadForm(PortalForm):
    file = forms.FileField(label=_("Catalog workbook (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, allowed=SPREADSHEETS, max_bytes=MAX_UPLOAD_BYTES)
        return upload


@role_required(roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
@require_http_methods(["GET", "HEAD", "POST"])
def excel_export(request: HttpRequest, body_id: int) -> HttpResponse:
    """The body's catalog workbook; one of more than FILE_JOBS_XLSX_ROWS rows is made in the
    background instead (POST to start it, apps.core.filejobs) and its progress page shown."""
    body = _body_in_scope(request.user, body_id)
    if excel.catalog_export_rows(body) > settings.FILE_JOBS_XLSX_ROWS:
        if request.method != "POST":
            return render(request, "catalog/excel_export_large.html", {"body": body})
        job = file_job_start(kind=FileJob.Kind.CATALOG_EXPORT, user=request.user, params={"body": body.pk})
        return redirect("core:file_job", pk=job.pk)
    stamp = timezone.localdate().isoformat()
    return _xlsx_response(excel.export_catalog(body), f"catalog-{body.pk}-{stamp}.xlsx")


@role_required(roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
def excel_import(request: HttpRequest, body_id: int) -> HttpResponse:
    """Upload a catalog workbook: checked and imported at once, or — more than
    CATALOG_IMPORT_INLINE_SERVICES services — by a file job whose page shows the progress, the counts
    and the report to download."""
    body = _body_in_scope(request.user, body_id)
    report = None
    if request.method == "POST":
        form = CatalogUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if excel.import_size(upload) > settings.CATALOG_IMPORT_INLINE_SERVICES:
                job = excel.catalog_import_start(body=body, file=upload, by=request.user)
                return redirect("core:file_job", pk=job.pk)
            report = excel.import_catalog(body=body, file=upload, by=request.user)
    else:
        form = CatalogUploadForm()
    context = {"body": body, "form": form, "report": report}
    if report:
        context["shown_errors"] = report.errors[:SHOWN_ERRORS]
        context["hidden_errors"] = max(len(report.errors) - SHOWN_ERRORS, 0)
    return render(request, "catalog/excel_import.html", context)


@role_required(roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
@require_safe
def excel_open(request: HttpRequest) -> HttpResponse:
    """The Excel page of the body chosen on the catalog list (?body=<id>), for users of several bodies."""
    body_id = request.GET.get("body", "")
    if not (body_id.isascii() and body_id.isdigit()):
        raise Http404
    return redirect("catalog:excel_import", body_id=_body_in_scope(request.user, int(body_id)).pk)


@role_required(roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
def excel_template(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(excel.catalog_template(), "catalog-template.xlsx")


urlpatterns = [
    path("bodies/<int:body_id>/catalog.xlsx", excel_export, name="excel_export"),
    path("bodies/<int:body_id>/import/", excel_import, name="excel_import"),
    path("excel-template.xlsx", excel_template, name="excel_template"),
    path("excel/", excel_open, name="excel_open"),
]
