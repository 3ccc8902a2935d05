"""The satisfaction dashboard (issue #5 item 7): staff ratings and questionnaire indices of the whole
country, a province, a body, a unit or one employee over a Jalali period, with links one level up
and down, and the same figures as an Excel workbook.

/feedback/dashboard/?level=unit&unit=12&period=1405-H1 — the object of each level has its own
parameter (province, body, unit, staff), so choosing another level in the filter form keeps the
current object as the starting point: "body" from a unit's page opens that unit's body. Everything
is read through apps.feedback.dashboards, which applies the portal's scoping rule.
"""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment

from apps.core.access import get_or_404
from apps.core.filejobs import file_job_start
from apps.core.forms import PortalForm, period_error
from apps.core.jalali import Period, format_date
from apps.core.models import FileJob
from apps.core.templatetags.portal import digits
from apps.feedback import dashboards as dash
from apps.feedback.dashboards import LEVEL_LABELS, LEVELS, NATION, PROVINCE, STAFF, Dashboard, DashboardScope
from apps.orgs import roles
from apps.reports import charts
from apps.reports import excel as xl
from apps.reports.text import period_label

DASHBOARD_ROLES = (
    roles.BODY_SUPERVISOR,
    roles.UNIT_OFFICER,
    roles.PROVINCIAL_AUDITOR,
    roles.NATIONAL_AUDITOR,
    roles.ADMINISTRATOR,
)
# Who reads other employees' figures (the lowest-rated employees, a unit's employees, an employee's
# dashboard): as on an employee's ratings page (views/qr.py), not colleagues — a unit officer sees
# their own figures and their unit's, not their colleagues'.
STAFF_FIGURES_ROLES = (
    roles.BODY_SUPERVISOR,
    roles.PROVINCIAL_AUDITOR,
    roles.NATIONAL_AUDITOR,
    roles.ADMINISTRATOR,
)
OBJECT_LEVELS = (PROVINCE, dash.BODY, dash.UNIT, STAFF)
# The object select lists at most this many (the units of the whole country do not fit in a select:
# one opens a province or a body first, whose units the list then shows).
CHOICES_MAX = 500
PERIOD_YEARS = 2  # the period list offers the halves, quarters and bimonths of this many Jalali years
PERIOD_KINDS = (
    ("H", gettext_lazy("Half years")),
    ("Q", gettext_lazy("Quarters")),
    ("B", gettext_lazy("Bimonths")),
)

SCORE_COLORS = {5: "#1f7a3a", 4: "#4f9a62", 3: "#e0a030", 2: "#d9822b", 1: "#c0504d"}
RATING_COLOR = charts.PALETTE[0]
INDEX_COLOR = "#c77d16"
LOW_COLOR = "#c0504d"


# --- the filter form ---------------------------------------------------------------------------------------


def _object_field(level: str) -> forms.IntegerField:
    message = gettext_lazy("Choose an item from the list.")
    return forms.IntegerField(
        label=LEVEL_LABELS[level],
        required=False,
        min_value=1,
        error_messages={"invalid": message, "min_value": message},
    )


class DashboardFilterForm(PortalForm):
    """Level, the object of that level (one parameter per level) and the Jalali period; everything
    optional — the user's own area and the last six months when left out."""

    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the levels in the list.")},
    )
    province = _object_field(PROVINCE)
    body = _object_field(dash.BODY)
    unit = _object_field(dash.UNIT)
    staff = _object_field(STAFF)
    period = forms.CharField(label=gettext_lazy("Period"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every level is a valid answer: one outside the user's area is "not found" (404), like any
        # object outside it; the select offers only the user's levels (dashboard_levels).
        self.fields["level"].choices = list(LEVEL_LABELS.items())

    def clean_period(self) -> Period | None:
        text = self.cleaned_data["period"]
        if not text:
            return None
        try:
            period = Period.parse(text)
        except ValueError as exc:
            raise ValidationError(period_error()) from exc
        if period.start > timezone.localdate():
            raise ValidationError(
                _("This period has not started yet: choose a period up to the current one.")
            )
        return period


def dashboard_levels(user) -> list[str]:
    """The levels a user may choose: the country for national roles, a province for them and the
    provincial auditor, bodies, units and employees for everyone who opens the dashboard."""
    allowed = {dash.BODY, dash.UNIT, STAFF}
    if roles.is_national(user):
        allowed |= {NATION, PROVINCE}
    elif roles.has_role(user, roles.PROVINCIAL_AUDITOR):
        allowed.add(PROVINCE)
    return [level for level in LEVELS if level in allowed]


def _period_choices(today: dt.date, chosen) -> list[tuple[str, list[tuple[str, str]]]]:
    """The halves, quarters and bimonths of the last two Jalali years that have begun, newest first,
    grouped by kind (the empty value, the last six months, comes first in the template). A period
    typed into the URL that is not among them is added to its group."""
    year = dash.JalaliMonth.of(today).year
    groups = []
    for kind, title in PERIOD_KINDS:
        options = [
            (str(period), period_label(period))
            for y in range(year, year - PERIOD_YEARS, -1)
            for number in range(12 // Period.MONTHS[kind], 0, -1)
            if (period := Period(y, kind, number)).start <= today
        ]
        if isinstance(chosen, Period) and chosen.kind == kind and str(chosen) not in dict(options):
            options.insert(0, (str(chosen), period_label(chosen)))
        groups.append((str(title), options))
    return groups


# --- resolving what to show --------------------------------------------------------------------------------


def _resolve(user, data: dict) -> tuple[DashboardScope, str]:
    """(the scope to show, the level asked for). Asked for a level without its object, the page
    starts from the most specific object given (else the user's own area): a broader level opens the
    one containing it; a narrower one shows the starting point and asks to choose from its list."""
    given = {level: data[level] for level in OBJECT_LEVELS if data.get(level)}
    level = data.get("level") or next((lvl for lvl in reversed(OBJECT_LEVELS) if lvl in given), None)
    if level in given:
        return dash.dashboard_scope_get(user=user, level=level, pk=given[level]), level
    start = next((lvl for lvl in reversed(OBJECT_LEVELS) if lvl in given), None)
    scope = (
        dash.dashboard_scope_get(user=user, level=start, pk=given[start])
        if start
        else dash.dashboard_scope_default(user=user)
    )
    if level is None or level == scope.level:
        return scope, scope.level
    if level == NATION:
        return dash.dashboard_scope_get(user=user, level=NATION), NATION
    return dash.dashboard_scope_up(user=user, scope=scope, level=level) or scope, level


def _url(name: str, level: str, pk: int | None, period) -> str:
    params = {"level": level}
    if pk is not None:
        params[level] = pk
    if str(period):
        params["period"] = str(period)
    return f"{reverse(name)}?{urlencode(params)}"


def _period_text(period) -> str:
    return period.label() if isinstance(period, dash.MonthSpan) else period_label(period)


# --- charts ---------------------------------------------------------------------------------------------------


def _columns(label: str, bars: list[tuple[float | None, str]]) -> SafeString:
    """One month of the trend: a column per (share of 100, colour) side by side on a 44 × 100 canvas,
    growing from the bottom. Presentation attributes only (the Content-Security-Policy forbids style
    attributes); the figures themselves are HTML text beside the chart."""
    width = 36 // len(bars)
    rects = []
    for n, (share, color) in enumerate(bars):
        x = 4 + n * (width + 4)
        height = 0.0 if share is None else max(0.0, min(100.0, float(share)))
        rects.append(
            format_html(
                '<rect x="{}" y="0" width="{}" height="100" fill="{}"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                x,
                width,
                charts.TRACK,
                x,
                charts._num(100 - height),
                width,
                charts._num(height),
                color,
            )
        )
    return format_html(
        '<svg class="fd-col" viewBox="0 0 {} 100" preserveAspectRatio="none" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        4 + len(bars) * (width + 4),
        label,
        SafeString("".join(rects)),
    )


def _trend(board: Dashboard) -> list[dict]:
    """The months of the trend chart: names, figures and the columns (rating of 5, index of 100)."""
    months = []
    for m in board.months:
        label = m.month.label()
        figures = [
            _("staff rating %(value)s of 5")
            % {"value": "—" if m.rating_average is None else f"{m.rating_average:.2f}"}
        ]
        bars = [(None if m.rating_average is None else m.rating_average * 20, RATING_COLOR)]
        if board.scope.has_questionnaire:
            figures.append(
                _("index %(value)s of 100") % {"value": "—" if m.index is None else f"{m.index:.1f}"}
            )
            bars.append((m.index, INDEX_COLOR))
        name, _space, year = label.rpartition(" ")
        months.append(
            {
                "figures": m,
                "name": name,
                "year": year,
                "svg": _columns(f"{label}: {'، '.join(figures)}", bars),
            }
        )
    return months


# --- views ------------------------------------------------------------------------------------------------------


def _may_read_staff(user) -> bool:
    return roles.has_role(user, *STAFF_FIGURES_ROLES)


def _board(request: HttpRequest, *, suggestions: int = dash.SUGGESTIONS_SHOWN) -> dict:
    """Parse the filters and read the figures (and the latest `suggestions` citizens' suggestions).
    The context always has the form and the filter's choices; "board" only when the filters are valid."""
    return _board_for(request.user, request.GET, suggestions=suggestions)


def _board_for(user, data, *, suggestions: int) -> dict:
    form = DashboardFilterForm(data)
    today = timezone.localdate()
    default = dash.period_default(today)
    context = {
        "form": form,
        "levels": [(level, LEVEL_LABELS[level]) for level in dashboard_levels(user)],
        "default_period_text": default.label(),
    }
    if not form.is_valid():
        level = form.data.get("level", "")
        if level not in LEVEL_LABELS:
            try:
                level = dash.dashboard_scope_default(user=user).level
            except ObjectDoesNotExist:
                level = ""
        context.update(
            asked=level,
            period_choices=_period_choices(today, None),
            period_value="",
        )
        return context
    # Scope first, then role: an object outside the user's area is "not found" for everyone, so
    # nobody learns from a 403 that it exists. So is a level above the user's area.
    if form.cleaned_data["level"] and form.cleaned_data["level"] not in dashboard_levels(user):
        raise Http404
    scope, asked = get_or_404(lambda: _resolve(user, form.cleaned_data))
    if not roles.has_role(user, *DASHBOARD_ROLES):
        raise PermissionDenied
    staff_rows = _may_read_staff(user)
    me = getattr(user, "staff", None)
    if scope.level == STAFF and not staff_rows and scope.obj != me:
        raise Http404
    period = form.cleaned_data["period"] or default
    board = dash.dashboard_get(
        user=user, scope=scope, period=period, staff_rows=staff_rows, suggestions=suggestions
    )
    choices = (
        []
        if asked == NATION
        else dash.dashboard_choices(user=user, level=asked, around=scope, limit=CHOICES_MAX + 1)
    )
    truncated = len(choices) > CHOICES_MAX
    choices = choices[:CHOICES_MAX]
    if asked == STAFF and not staff_rows:
        choices = [(pk, name) for pk, name in choices if me is not None and pk == me.pk]
    selected = scope.pk if asked == scope.level else None
    if selected is not None and selected not in {pk for pk, _name in choices}:
        choices.insert(0, (selected, scope.name))
    context.update(
        board=board,
        scope=scope,
        asked=asked,
        asked_label=LEVEL_LABELS[asked],
        choose=asked != scope.level,
        selected=selected,
        choices=choices,
        choices_truncated=truncated,
        period=period,
        period_value=str(period),
        period_text=_period_text(period),
        period_choices=_period_choices(today, period),
        trail=[
            (s, _url("feedback:dashboard", s.level, s.pk, period))
            for s in dash.dashboard_trail(user=user, scope=scope)
        ],
        trend=_trend(board),
        xlsx_url=_url("feedback:dashboard_xlsx", scope.level, scope.pk, period),
        # A body may have units outside the user's area (a ministry's directorates in other provinces).
        partial_view=scope.level == dash.BODY and not roles.is_national(user),
        rating_color=RATING_COLOR,
        index_color=INDEX_COLOR,
        low_color=LOW_COLOR,
        children_questionnaire=board.child_level not in (None, STAFF),
        distribution=[(score, n, share, SCORE_COLORS[score]) for score, n, share in board.ratings.bars],
    )
    return _with_links(context)


def _decimal(value: float | None, places: int = 2) -> str:
    """3.52 → ۳٫۵۲ on Persian pages (the decimal separator of apps.reports' num1); None → —."""
    if value is None:
        return "—"
    text = f"{value:.{places}f}"
    localized = digits(text)
    return localized.replace(".", "٫") if localized != text else text


def _with_links(context: dict) -> dict:
    """Rows of the ranking and breakdown tables as (row, link to its own dashboard for the same
    period or None, its average as text)."""
    period = context["period"]

    def rows(items) -> list[tuple]:
        return [
            (
                row,
                _url("feedback:dashboard", row.level, row.pk, period) if row.linked and row.pk else None,
                _decimal(row.average),
            )
            for row in items or []
        ]

    board = context["board"]
    context.update(
        lowest_staff=rows(board.lowest_staff),
        lowest_units=rows(board.lowest_units),
        children=rows(board.children),
        average_text=_decimal(board.ratings.average),
    )
    return context


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Ratings and questionnaire figures of the chosen area and period, with drill-down links."""
    context = _board(request)
    return render(request, "feedback/dashboard.html", context, status=200 if "board" in context else 400)


@login_required
@require_safe
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    """The figures of the dashboard as an Excel workbook (right-to-left sheets), every suggestion included."""
    # One more suggestion than a workbook written here may hold tells a large export from a small one.
    context = _board(request, suggestions=min(settings.FILE_JOBS_XLSX_ROWS + 1, dash.SUGGESTIONS_EXPORT_MAX))
    if "board" not in context:
        return render(request, "feedback/dashboard.html", context, status=400)
    if len(context["board"].suggestions) > settings.FILE_JOBS_XLSX_ROWS:
        job = file_job_start(
            kind=FileJob.Kind.DASHBOARD_EXPORT, user=request.user, params={"query": request.GET.urlencode()}
        )
        return redirect("core:file_job", pk=job.pk)
    if len(context["board"].suggestions) >= dash.SUGGESTIONS_EXPORT_MAX:
        context = _board(request, suggestions=dash.SUGGESTIONS_EXPORT_MAX)
    return HttpResponse(_dashboard_xlsx(context), content_type=xl.XLSX_MIME, headers=_attachment(context))


def _dashboard_filename(context: dict) -> str:
    board = context["board"]
    name = "-".join(
        str(part)
        for part in (
            "satisfaction",
            board.scope.level,
            board.scope.pk,
            str(board.period) or timezone.localdate(),
        )
        if part
    )
    return f"{name}.xlsx"


def _attachment(context: dict) -> dict:
    return {"Content-Disposition": f'attachment; filename="{_dashboard_filename(context)}"'}


def _dashboard_xlsx(context: dict) -> bytes:
    return dashboard_workbook(context["board"], period_text=context["period_text"])


def dashboard_export_produce(*, job, out, progress) -> str:
    """The dashboard workbook of a file job (apps.core.filejobs): the same filters, read again for
    the one who asked, every suggestion up to the cap."""
    from apps.core.filejobs import FileJobRefused

    try:
        context = _board_for(
            job.requested_by, QueryDict(job.params.get("query", "")), suggestions=dash.SUGGESTIONS_EXPORT_MAX
        )
    except (Http404, PermissionDenied) as exc:
        raise FileJobRefused(_("These figures are no longer in your scope.")) from exc
    if "board" not in context:
        raise FileJobRefused(_("These figures are no longer in your scope."))
    rows = len(context["board"].suggestions)
    progress(0, rows)
    out.write(_dashboard_xlsx(context))
    progress(rows, rows)
    return _dashboard_filename(context)


# --- Excel ------------------------------------------------------------------------------------------------------


def _v(value, digits_after: int = 2):
    return "" if value is None else round(value, digits_after)


def dashboard_workbook(board: Dashboard, *, period_text: str) -> bytes:
    """Summary and distribution, monthly trend, axes, lowest-rated and the breakdown, one sheet each."""
    workbook = Workbook()
    scope = board.scope
    sheet = xl._sheet(workbook, _("Summary"), first=True)
    xl._title(sheet, _("Satisfaction dashboard — %(name)s") % {"name": scope.name}, 4)
    xl._facts(
        sheet,
        [
            (_("Level"), scope.level_label),
            (_("Area"), scope.name),
            (_("Period"), period_text),
            (_("From / to"), f"{format_date(board.period.start)} / {format_date(board.period.end)}"),
            (_("Prepared"), format_date(timezone.localdate())),
        ],
    )
    sheet.append([])
    summary_rows = [
        [_("Staff rating average (1–5)"), _v(board.ratings.average)],
        [_("Counted ratings"), board.ratings.count],
        [_("Held for review"), board.ratings.held],
    ]
    if scope.has_questionnaire:
        summary_rows += [
            [_("Questionnaires"), board.responses],
            [_("Satisfaction index (0–100)"), _v(board.index, 1)],
        ]
    xl._table(sheet, [_("Figure"), _("Value")], summary_rows, widths=[36, 18])
    sheet.append([])
    xl._table(
        sheet,
        [_("Score"), _("Ratings"), _("Share (%)")],
        [[score, n, share] for score, n, share in board.ratings.bars],
        total=[_("Total"), board.ratings.count, 100 if board.ratings.count else ""],
        widths=[36, 18, 12],
    )

    sheet = xl._sheet(workbook, _("Monthly trend"))
    xl._title(sheet, _("Monthly trend"), 7)
    headers = [_("Month"), _("From"), _("To"), _("Ratings"), _("Rating average (1–5)")]
    if scope.has_questionnaire:
        headers += [_("Questionnaires"), _("Satisfaction index (0–100)")]
    rows = []
    for m in board.months:
        row = [
            m.month.label(),
            format_date(m.month.start),
            format_date(m.month.end),
            m.ratings,
            _v(m.rating_average),
        ]
        if scope.has_questionnaire:
            row += [m.responses, _v(m.index, 1)]
        rows.append(row)
    xl._table(sheet, headers, rows, widths=[16, 14, 14, 12, 18, 14, 18])

    if scope.has_questionnaire:
        sheet = xl._sheet(workbook, _("Axes"))
        xl._title(sheet, _("Satisfaction index per axis (0–100)"), 3)
        xl._table(
            sheet,
            [_("Axis (table 5)"), _("Index"), _("Answers")],
            [[a.title, _v(a.index, 1), a.count] for a in board.axes],
            total=[_("Overall index"), _v(board.index, 1), sum(a.count for a in board.axes)],
            widths=[44, 12, 14],
        )

    if board.lowest_staff is not None or board.lowest_units is not None:
        sheet = xl._sheet(workbook, _("Lowest rated"))
        xl._title(sheet, _("Lowest rated (at least %(n)d counted ratings)") % {"n": board.min_ratings}, 5)
        if board.lowest_staff is not None:
            xl._table(
                sheet,
                [_("Employee"), _("Post and unit"), _("Ratings"), _("Average (1–5)")],
                [[r.name, r.detail, r.ratings, _v(r.average)] for r in board.lowest_staff],
                widths=[28, 44, 12, 14],
            )
            sheet.append([])
        if board.lowest_units is not None:
            xl._table(
                sheet,
                [_("Unit"), _("Executive body"), _("Ratings"), _("Average (1–5)")],
                [[r.name, r.detail, r.ratings, _v(r.average)] for r in board.lowest_units],
                widths=[28, 44, 12, 14],
            )

    if board.child_level:
        sheet = xl._sheet(workbook, _("Breakdown"))
        xl._title(sheet, str(LEVEL_LABELS[board.child_level]), 6)
        questionnaire = board.child_level != STAFF
        headers = [str(LEVEL_LABELS[board.child_level]), _("Details"), _("Ratings"), _("Average (1–5)")]
        if questionnaire:
            headers += [_("Questionnaires"), _("Satisfaction index (0–100)")]
        rows = []
        for r in board.children:
            row = [r.name, r.detail, r.ratings, _v(r.average)]
            if questionnaire:
                row += [r.responses, _v(r.index, 1)]
            rows.append(row)
        xl._table(sheet, headers, rows, widths=[32, 36, 12, 14, 14, 18])

    if scope.has_questionnaire:
        _suggestions_sheet(workbook, board)
    return xl._save(workbook)


def _suggestions_sheet(workbook: Workbook, board: Dashboard) -> None:
    """Every suggestion of the period, newest first. Citizens typed them: each is written as plain
    text, so a suggestion that starts with "=" is never a formula."""
    sheet = xl._sheet(workbook, _("Suggestions"))
    xl._title(sheet, _("Citizens' suggestions in the questionnaires"), 5)
    rows = [
        [
            format_date(timezone.localtime(r.submitted_at).date()),
            r.unit.name,
            r.service.title,
            r.get_source_display(),
            ILLEGAL_CHARACTERS_RE.sub("", r.suggestions),
        ]
        for r in board.suggestions
    ]
    xl._table(
        sheet,
        [_("Date"), _("Unit"), _("Service"), _("Source"), _("Suggestion")],
        rows,
        widths=[12, 28, 32, 16, 80],
    )
    for (cell,) in sheet.iter_rows(min_row=sheet.max_row - len(rows) + 1, min_col=5, max_col=5):
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if not rows:
        sheet.append([_("No suggestion was written in this period.")])
    elif board.suggestion_count > len(rows):
        sheet.append([])
        sheet.append(
            [
                _("The latest %(shown)d of %(count)d suggestions.")
                % {"shown": len(rows), "count": board.suggestion_count}
            ]
        )


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard_xlsx, name="dashboard_xlsx"),
]
