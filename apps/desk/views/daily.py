"""Daily report of desk staff (table 2): on screen, as PDF and as Excel, all from one GET form.

A desk clerk opens it on their own rows of today and may widen it to the whole desk; supervisors and
auditors open it on the whole desk of their unit and may pick any clerk or desk in their scope.
"""

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from apps.core.access import role_required
from apps.core.forms import JalaliDateField, PortalForm
from apps.core.jalali import format_date
from apps.core.pdf import pdf_response, render_pdf
from apps.core.templatetags.portal import digits
from apps.desk import daily_report as table2
from apps.orgs import roles

REPORT_ROLES = (
    roles.DESK_CLERK,
    roles.BODY_SUPERVISOR,
    roles.PROVINCIAL_AUDITOR,
    roles.NATIONAL_AUDITOR,
    roles.ADMINISTRATOR,
)
# The choice value for "every clerk" / "every desk"; an empty value means "the default for me".
ALL = "all"


class DailyReportForm(PortalForm):
    """The period (one Jalali day by default), the clerk and the desk unit of table 2."""

    def __init__(self, data, *, clerks, units):
        super().__init__(data)
        several_units = len({c.unit_id for c in clerks}) > 1
        # "from" is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = JalaliDateField(label=_("From"))
        self.fields["to"] = JalaliDateField(label=_("To"), required=False)
        self.fields["clerk"] = forms.ChoiceField(
            label=_("Clerk"),
            choices=[
                (ALL, _("Every clerk of the desk")),
                *(
                    (str(c.pk), f"{c.full_name} — {c.unit.name}" if several_units else c.full_name)
                    for c in clerks
                ),
            ],
        )
        self.fields["unit"] = forms.ChoiceField(
            label=_("Desk"),
            help_text=_("For every clerk of a desk; a chosen clerk is reported at any desk."),
            choices=[
                (ALL, _("Every desk in my scope")),
                *((str(u.pk), u.name) for u in units),
            ],
        )

    def clean(self):
        data = super().clean()
        start = data.get("from")
        if start and "to" not in self._errors:
            end = data["to"] = data.get("to") or start
            if end < start:
                self.add_error("to", _("The end of the period is before its start."))
            elif (end - start).days + 1 > table2.MAX_DAYS:
                self.add_error(
                    "to",
                    _("A report covers at most %(days)s days; choose a shorter period.")
                    % {"days": digits(table2.MAX_DAYS)},
                )
        return data


def _defaults(user, clerks, units) -> dict[str, str]:
    staff = getattr(user, "staff", None)
    mine = (
        staff is not None
        and roles.primary_role(user) == roles.DESK_CLERK
        and any(c.pk == staff.pk for c in clerks)
    )
    own_unit = staff is not None and any(u.pk == staff.unit_id for u in units)
    return {
        "from": format_date(timezone.localdate(), persian_digits=False),
        "clerk": str(staff.pk) if mine else ALL,
        "unit": str(staff.unit_id) if own_unit else ALL,
    }


def _report(request: HttpRequest) -> tuple[DailyReportForm, dict | None]:
    """Parse the GET form (filling what is missing with the user's defaults) and build the report;
    the context is None when the input is wrong."""
    user = request.user
    clerks = list(table2.daily_report_clerks(user=user))
    units = list(table2.daily_report_units(user=user))
    data = request.GET.copy()
    for key, value in _defaults(user, clerks, units).items():
        if not data.get(key):
            data[key] = data.get("to") if key == "from" and data.get("to") else value
    form = DailyReportForm(data, clerks=clerks, units=units)
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    start, end = cleaned["from"], cleaned["to"]
    clerk = next((c for c in clerks if str(c.pk) == cleaned["clerk"]), None)
    # Table 2 is one clerk's sheet: a chosen clerk is reported wherever in scope they registered, so
    # a supervisor picking a clerk of a county office below them is not left with an empty table.
    unit = None if clerk else next((u for u in units if str(u.pk) == cleaned["unit"]), None)
    report = table2.daily_report(
        user=user,
        start=start,
        end=end,
        clerk_id=clerk.pk if clerk else None,
        unit_id=unit.pk if unit else None,
    )
    staff = getattr(user, "staff", None)
    body = unit.body if unit else clerk.unit.body if clerk else staff.unit.body if staff else None
    query = urlencode(
        {
            "from": format_date(start, persian_digits=False),
            "to": format_date(end, persian_digits=False),
            "clerk": cleaned["clerk"],
            "unit": cleaned["unit"],
        }
    )
    return form, {"report": report, "clerk": clerk, "unit": unit, "body": body, "query": query}


def _filename(report: table2.DailyReport, ext: str) -> str:
    start = format_date(report.start, persian_digits=False).replace("/", "-")
    end = format_date(report.end, persian_digits=False).replace("/", "-")
    return f"daily-report-{start}.{ext}" if report.single_day else f"daily-report-{start}-to-{end}.{ext}"


def _page(request: HttpRequest, form: DailyReportForm, context: dict | None) -> HttpResponse:
    # Wrong input on any of the three URLs shows the form with its errors (400), never a traceback.
    return render(
        request,
        "desk/daily_report.html",
        {"form": form, "max_days": table2.MAX_DAYS, **(context or {})},
        status=200 if context else 400,
    )


@role_required(*REPORT_ROLES)
@require_safe
def daily_report(request: HttpRequest) -> HttpResponse:
    """Table 2 on screen, with the form and the PDF and Excel buttons."""
    form, context = _report(request)
    return _page(request, form, context)


@role_required(*REPORT_ROLES)
@require_safe
def daily_report_pdf(request: HttpRequest) -> HttpResponse:
    """Table 2 printed: A4 landscape, the circular's columns, the signature boxes."""
    form, context = _report(request)
    if context is None:
        return _page(request, form, None)
    pdf = render_pdf("pdf/daily_report.html", {**context, "printed_at": timezone.now()}, request=request)
    return pdf_response(pdf, _filename(context["report"], "pdf"))


@role_required(*REPORT_ROLES)
@require_safe
def daily_report_xlsx(request: HttpRequest) -> HttpResponse:
    """Table 2 as an Excel workbook of one right-to-left sheet."""
    form, context = _report(request)
    if context is None:
        return _page(request, form, None)
    clerk, unit, body = context["clerk"], context["unit"], context["body"]
    content = table2.daily_report_xlsx(
        context["report"],
        clerk_name=clerk.full_name if clerk else "همه کارکنان میز خدمت",
        unit_name=unit.name if unit else clerk.unit.name if clerk else "همه واحدهای حوزه",
        body_name=body.name_fa if body else "",
    )
    response = HttpResponse(content, content_type=table2.XLSX_MIME)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(context["report"], "xlsx")
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("reports/daily/", daily_report, name="daily_report"),
    path("reports/daily.pdf", daily_report_pdf, name="daily_report_pdf"),
    path("reports/daily.xlsx", daily_report_xlsx, name="daily_report_xlsx"),
]
