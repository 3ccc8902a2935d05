"""Annex 3 tables 1 and 2 of the audit guide on screen, as PDF (`?format=pdf`) and as Excel
(`?format=xlsx`), computed live for the chosen bimonth and scoped to the reader."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from apps.core.access import role_required
from apps.core.pdf import pdf_response, render_pdf
from apps.reports import annex3, excel, selectors
from apps.reports.forms import Annex3Form


def _respond(request: HttpRequest, *, table: dict, name: str, form: Annex3Form) -> HttpResponse:
    fmt = request.GET.get("format", "")
    filename = f"annex3-{name}-{table['period']}"
    if "province" in table:
        filename += f"-{table['province']['id']}"
    if fmt == "pdf":
        pdf = render_pdf(
            f"pdf/annex3_{name}.html", {"table": table, "printed_at": timezone.now()}, request=request
        )
        return pdf_response(pdf, f"{filename}.pdf")
    if fmt == "xlsx":
        content = excel.table1_xlsx(table) if name == "table1" else excel.table2_xlsx(table)
        response = HttpResponse(content, content_type=excel.XLSX_MIME)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{filename}.xlsx"
        )
        response["Cache-Control"] = "private, no-store"
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request, f"reports/annex3_{name}.html", {"table": table, "form": form, "query": query.urlencode()}
    )


def _data(request: HttpRequest, **defaults):
    data = request.GET.copy()
    for key, value in defaults.items():
        if not data.get(key):
            data[key] = value
    return data


@role_required(*selectors.READER_ROLES)
@require_safe
def annex3_table2(request: HttpRequest) -> HttpResponse:
    """Table 2: the bodies with a headquarters the reader may see, one row each."""
    form = Annex3Form(_data(request, period=str(selectors.annex3_working_period(request.user))))
    if not form.is_valid():
        return render(request, "reports/annex3_table2.html", {"form": form}, status=400)
    bodies = selectors.readable_bodies(request.user)
    table = annex3.table2(period=form.cleaned_data["period"], bodies=bodies)
    return _respond(request, table=table, name="table2", form=form)


@role_required(*selectors.READER_ROLES)
@require_safe
def annex3_table1(request: HttpRequest) -> HttpResponse:
    """Table 1 of one province the reader may see (another province answers 404)."""
    provinces = list(selectors.table1_provinces(request.user))
    if not provinces:
        raise Http404
    form = Annex3Form(
        _data(
            request, period=str(selectors.annex3_working_period(request.user)), province=str(provinces[0].pk)
        ),
        provinces=provinces,
    )
    if not form.is_valid():
        if "province" in form.errors and request.GET.get("province"):
            raise Http404  # a province outside the reader's scope: as if it did not exist
        return render(request, "reports/annex3_table1.html", {"form": form}, status=400)
    table = annex3.table1(
        period=form.cleaned_data["period"],
        province=form.cleaned_data["province"],
        bodies=selectors.table1_bodies(request.user),
    )
    return _respond(request, table=table, name="table1", form=form)
