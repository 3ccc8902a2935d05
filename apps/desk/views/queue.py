"""Queue pages under /desk/queue/: the hall kiosk and the display board (no login), the printable
ticket behind a signed link, the clerk's counter page with "call next", and the day's figures.

The kiosk and board stand in the waiting hall, so they need no login; issuing is throttled per
address instead. Everything a clerk or supervisor touches is scoped with scope_queryset, so a
counter or unit outside the user's scope answers 404.
"""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from apps.core.access import role_required
from apps.core.forms import JalaliDateField, PortalForm
from apps.core.scoping import scope_queryset
from apps.core.templatetags.portal import digits
from apps.core.text import normalize_digits
from apps.desk import queue
from apps.desk.models import QueueTicket
from apps.orgs import roles
from apps.orgs.models import Counter, OrgUnit

# Tickets one address may take per minute. The hall kiosk is one address for everybody; a person
# scripting tickets to jam the queue is stopped long before the hall notices.
DEFAULT_KIOSK_RATE = "30/m"
CALLERS = (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
BOARD_REFRESH_SECONDS = 10
TICKET_REFRESH_SECONDS = 30
COUNTER_REFRESH_SECONDS = 30


def _kiosk_rate(group, request) -> str:
    return getattr(settings, "QUEUE_KIOSK_RATE", DEFAULT_KIOSK_RATE)


def _scoped_counter(request: HttpRequest, counter_id: int) -> Counter:
    qs = scope_queryset(Counter.objects.select_related("unit"), request.user)
    return get_object_or_404(qs, pk=counter_id)


def _scoped_unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    qs = scope_queryset(OrgUnit.objects.all(), request.user, unit_field=None)
    return get_object_or_404(qs, pk=unit_id)


def _posted_id(request: HttpRequest, name: str) -> int | None:
    value = normalize_digits(request.POST.get(name, "").strip())
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


# --- the hall -------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=_kiosk_rate, method="POST", block=True)
def queue_kiosk(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Big buttons per sub-service and per counter; a press issues a ticket and shows it."""
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    choices = queue.queue_kiosk_choices(unit=unit)
    error = ""
    if request.method == "POST":
        services = {s.pk: s for s in choices.services}
        counters = {c.pk: c for c in choices.counters}
        service = services.get(_posted_id(request, "service"))
        counter = counters.get(_posted_id(request, "counter"))
        if service is None and counter is None:
            error = _("That choice is no longer offered here. Choose again.")
        else:
            try:
                ticket = queue.ticket_issue(unit=unit, counter=counter, service=service)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect("desk:queue_ticket", token=queue.ticket_token(ticket))
    return render(
        request,
        "desk/queue_kiosk.html",
        {"unit": unit, "choices": choices, "error": error},
        status=400 if error else 200,
    )


@require_safe
def queue_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The printable ticket: number, where to go, when it was taken and how many are ahead."""
    try:
        ticket = queue.ticket_from_token(token)
    except QueueTicket.DoesNotExist as exc:
        raise Http404 from exc
    is_today = ticket.day == queue.queue_day()
    return render(
        request,
        "desk/queue_ticket.html",
        {
            "ticket": ticket,
            "ahead": queue.ticket_people_ahead(ticket=ticket) if is_today else 0,
            "refresh": TICKET_REFRESH_SECONDS if is_today and ticket.state in ("waiting", "called") else None,
        },
    )


@require_safe
def queue_board(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The waiting-room screen; it reloads itself, no script needed."""
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    board = queue.queue_board(unit=unit)
    return render(
        request,
        "desk/queue_board.html",
        {
            "board": board,
            "latest": board.called[:1],
            "earlier": board.called[1:],
            "refresh": BOARD_REFRESH_SECONDS,
        },
    )


# --- the counter ----------------------------------------------------------------------------------


@role_required(*CALLERS)
@require_safe
def queue_home(request: HttpRequest) -> HttpResponse:
    """The counters a clerk may call to, with links to each desk's kiosk, board and figures."""
    counters = list(queue.queue_counter_list(user=request.user))
    staff = getattr(request.user, "staff", None)
    mine = set(staff.counters.values_list("pk", flat=True)) if staff else set()
    units = list({c.unit_id: c.unit for c in counters}.values())
    return render(request, "desk/queue_home.html", {"counters": counters, "mine": mine, "units": units})


@role_required(*CALLERS)
@require_safe
def queue_counter(request: HttpRequest, counter_id: int) -> HttpResponse:
    """The clerk's page of one counter: who is at it now, how many wait, the buttons."""
    counter = _scoped_counter(request, counter_id)
    return render(
        request,
        "desk/queue_counter.html",
        {
            "counter": counter,
            "current": queue.counter_current_ticket(counter=counter),
            "waiting": queue.counter_waiting_count(counter=counter),
            "refresh": COUNTER_REFRESH_SECONDS,
        },
    )


@role_required(*CALLERS)
@require_POST
def queue_call_next(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _scoped_counter(request, counter_id)
    try:
        ticket = queue.ticket_call_next(counter=counter, by=request.user.staff)
    except queue.QueueError as exc:
        messages.error(request, str(exc))
    else:
        if ticket is None:
            messages.info(request, _("Nobody is waiting for this counter."))
        else:
            messages.success(request, _("Number %(number)s called.") % {"number": digits(ticket.number)})
    return redirect("desk:queue_counter", counter_id=counter.pk)


def _close_view(closer, done_message):
    @role_required(*CALLERS)
    @require_POST
    def view(request: HttpRequest, counter_id: int, ticket_id: int) -> HttpResponse:
        counter = _scoped_counter(request, counter_id)
        tickets = scope_queryset(QueueTicket.objects.all(), request.user)
        ticket = get_object_or_404(tickets, pk=ticket_id, called_to=counter)
        try:
            closer(ticket=ticket, by=request.user.staff)
        except queue.QueueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, str(done_message) % {"number": digits(ticket.number)})
        return redirect("desk:queue_counter", counter_id=counter.pk)

    return view


queue_mark_served = _close_view(queue.ticket_mark_served, gettext_lazy("Number %(number)s served."))
queue_mark_no_show = _close_view(
    queue.ticket_mark_no_show, gettext_lazy("Number %(number)s marked as not come.")
)


# --- figures --------------------------------------------------------------------------------------


class FiguresForm(PortalForm):
    day = JalaliDateField(label=gettext_lazy("Day"), required=False)


def _minutes_text(value: float | None) -> str:
    """4.5 → ۴٫۵ in Persian: a Latin point beside Persian digits reads as a zero (۰)."""
    if value is None:
        return "—"
    text = digits(f"{value:g}")
    return text.replace(".", "\u066b") if (get_language() or "fa").startswith("fa") else text


def _figures_row(figures: queue.QueueFigures) -> dict:
    return {
        "figures": figures,
        "avg_wait": _minutes_text(figures.avg_wait_minutes),
        "max_wait": _minutes_text(figures.max_wait_minutes),
    }


@login_required
@require_safe
def queue_figures(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One day of a desk's queue per counter: issued, served, not come, average and longest wait."""
    unit = _scoped_unit(request, unit_id)
    day = queue.queue_day()
    form = FiguresForm(request.GET or None, initial={"day": day})
    if form.is_bound and form.is_valid() and form.cleaned_data["day"]:
        day = form.cleaned_data["day"]
    rows, total = queue.queue_waiting_figures(unit=unit, day=day)
    return render(
        request,
        "desk/queue_figures.html",
        {
            "unit": unit,
            "form": form,
            "day": day,
            "rows": [_figures_row(r) for r in rows],
            "total": _figures_row(total),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


urlpatterns = [
    path("queue/", queue_home, name="queue_home"),
    path("queue/<int:unit_id>/kiosk/", queue_kiosk, name="queue_kiosk"),
    path("queue/<int:unit_id>/board/", queue_board, name="queue_board"),
    path("queue/<int:unit_id>/figures/", queue_figures, name="queue_figures"),
    path("queue/ticket/<str:token>/", queue_ticket, name="queue_ticket"),
    path("queue/counter/<int:counter_id>/", queue_counter, name="queue_counter"),
    path("queue/counter/<int:counter_id>/call/", queue_call_next, name="queue_call_next"),
    path(
        "queue/counter/<int:counter_id>/ticket/<int:ticket_id>/served/",
        queue_mark_served,
        name="queue_mark_served",
    ),
    path(
        "queue/counter/<int:counter_id>/ticket/<int:ticket_id>/no-show/",
        queue_mark_no_show,
        name="queue_mark_no_show",
    ),
]
