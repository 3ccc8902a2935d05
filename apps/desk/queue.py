"""The waiting-hall queue (نوبت‌دهی, SPEC §4): services that issue, call and close queue tickets, and the
selectors behind the kiosk, the display board, the clerk's counter page and the day's figures.

A ticket is for one counter, or for a sub-service that any counter serving it may call. Numbers
start at 1 each Tehran day per unit. Issuing serialises on the unit's row, so two kiosks pressed at
the same instant still get consecutive numbers; calling skips rows another clerk has locked, so two
clerks pressing "call next" together never get the same person.
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import SubService
from apps.catalog.selectors import published_q
from apps.core.services import change_record
from apps.core.templatetags.portal import digits
from apps.desk.models import QueueTicket
from apps.orgs.models import Counter, OrgUnit, Staff

# Attempts before giving up when another process took the same number (only possible where the
# database ignores the row lock; PostgreSQL and SQLite in IMMEDIATE mode both serialise first).
ISSUE_ATTEMPTS = 5
TICKET_TOKEN_SALT = "desk.queue.ticket"  # noqa: S105 - a signing namespace, not a secret
# A ticket is only worth anything on its own day; the link outlives it by a little.
TICKET_TOKEN_MAX_AGE = dt.timedelta(days=2)
BOARD_SIZE = 8

State = QueueTicket.State


class QueueError(Exception):
    """A queue action that cannot be done now; the message says why, for the clerk."""


def queue_day(now: dt.datetime | None = None) -> dt.date:
    """The Tehran calendar day of an instant: numbering and figures restart at local midnight."""
    return timezone.localdate(now or timezone.now(), timezone.get_default_timezone())


# --- tokens ---------------------------------------------------------------------------------------


def ticket_token(ticket: QueueTicket) -> str:
    """The signed, URL-safe reference printed on a ticket, so ticket pages cannot be enumerated."""
    return signing.dumps(ticket.pk, salt=TICKET_TOKEN_SALT)


def ticket_from_token(token: str) -> QueueTicket:
    """The ticket a token names; QueueTicket.DoesNotExist when it is forged, expired or gone."""
    try:
        pk = signing.loads(token, salt=TICKET_TOKEN_SALT, max_age=TICKET_TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise QueueTicket.DoesNotExist from exc
    if not isinstance(pk, int):
        raise QueueTicket.DoesNotExist
    return QueueTicket.objects.select_related("unit", "counter", "service", "called_to").get(pk=pk)


# --- services -------------------------------------------------------------------------------------


def _check_target(unit: OrgUnit, counter: Counter | None, service: SubService | None) -> None:
    if counter is None and service is None:
        raise ValidationError(_("Choose a counter or a service."))
    if counter is not None and (counter.unit_id != unit.pk or not counter.active):
        raise ValidationError(_("This counter does not take tickets here."))
    if (
        service is not None
        and counter is None
        and not unit_counters(unit=unit).filter(services=service).exists()
    ):
        raise ValidationError(_("No open counter of this desk serves this service."))


def _last_number(unit: OrgUnit, day: dt.date) -> int:
    return QueueTicket.objects.filter(unit=unit, day=day).aggregate(last=Max("number"))["last"] or 0


def _issue_once(
    *, unit: OrgUnit, counter: Counter | None, service: SubService | None, now: dt.datetime, day: dt.date
) -> QueueTicket:
    with transaction.atomic():
        # The unit row is the lock: FOR UPDATE on an aggregate is not allowed, and locking the day's
        # last ticket would let the first ticket of a day race. Held for one short insert.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True).get()
        return QueueTicket.objects.create(
            unit=unit,
            counter=counter,
            service=service,
            day=day,
            number=_last_number(unit, day) + 1,
            issued_at=now,
        )


def ticket_issue(
    *,
    unit: OrgUnit,
    counter: Counter | None = None,
    service: SubService | None = None,
    now: dt.datetime | None = None,
) -> QueueTicket:
    """Issue the next number of the unit's Tehran day for a counter or a sub-service."""
    _check_target(unit, counter, service)
    now = now or timezone.now()
    day = queue_day(now)
    for attempt in range(ISSUE_ATTEMPTS):
        try:
            return _issue_once(unit=unit, counter=counter, service=service, now=now, day=day)
        except IntegrityError:
            # Someone committed the same number between our read and our insert: read again.
            if attempt == ISSUE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _pool(counter: Counter) -> Q:
    """Tickets a counter may call: its own, and those for a service it serves with no counter named."""
    return Q(counter=counter) | Q(counter__isnull=True, service__in=counter.services.values("pk"))


def ticket_call_next(*, counter: Counter, by: Staff, now: dt.datetime | None = None) -> QueueTicket | None:
    """Call the oldest waiting ticket of today this counter may serve; None when nobody is waiting."""
    now = now or timezone.now()
    day = queue_day(now)
    if not counter.active:
        raise QueueError(_("This counter is closed."))
    with transaction.atomic():
        # Calls at one counter take turns, so a double click cannot put two people at it.
        Counter.objects.select_for_update().filter(pk=counter.pk).values_list("pk", flat=True).get()
        current = counter_current_ticket(counter=counter, now=now)
        if current is not None:
            raise QueueError(
                _("Number %(number)s is still at this counter: mark it served or not come first.")
                % {"number": digits(current.number)}
            )
        # skip_locked: a ticket another clerk is calling right now is simply not ours to take.
        ticket = (
            QueueTicket.objects.select_for_update(skip_locked=True)
            .filter(unit_id=counter.unit_id, day=day, state=State.WAITING)
            .filter(_pool(counter))
            .order_by("issued_at", "number")
            .first()
        )
        if ticket is None:
            return None
        ticket.state = State.CALLED
        ticket.called_at = now
        ticket.called_to = counter
        ticket.called_by = by
        ticket.save(update_fields=["state", "called_at", "called_to", "called_by"])
        change_record(
            target=ticket,
            action="queue_call",
            actor=by.user,
            before={"state": State.WAITING},
            after={"state": State.CALLED, "counter": counter.number},
        )
    return ticket


def _close(*, ticket: QueueTicket, by: Staff, to_state: str) -> QueueTicket:
    with transaction.atomic():
        locked = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if locked.state != State.CALLED:
            raise QueueError(
                _("Number %(number)s is no longer at the counter (%(state)s).")
                % {"number": digits(locked.number), "state": locked.get_state_display()}
            )
        locked.state = to_state
        locked.save(update_fields=["state"])
        change_record(
            target=locked,
            action=f"queue_{to_state}",
            actor=by.user,
            before={"state": State.CALLED},
            after={"state": to_state},
        )
    ticket.state = to_state
    return ticket


def ticket_mark_served(*, ticket: QueueTicket, by: Staff) -> QueueTicket:
    """Close a called ticket as served; refuses a ticket that is not at a counter."""
    return _close(ticket=ticket, by=by, to_state=State.SERVED)


def ticket_mark_no_show(*, ticket: QueueTicket, by: Staff) -> QueueTicket:
    """Close a called ticket as not come; refuses a ticket that is not at a counter."""
    return _close(ticket=ticket, by=by, to_state=State.NO_SHOW)


# --- selectors ------------------------------------------------------------------------------------


def unit_counters(*, unit: OrgUnit) -> QuerySet[Counter]:
    """The open counters of a desk, in number order."""
    return Counter.objects.filter(unit=unit, active=True).order_by("number")


@dataclass(frozen=True)
class KioskChoices:
    counters: list[Counter]
    services: list[SubService]


def queue_kiosk_choices(*, unit: OrgUnit) -> KioskChoices:
    """What the kiosk offers: each open counter, and each active sub-service an open counter serves."""
    counters = list(unit_counters(unit=unit))
    services = list(
        SubService.objects.filter(published_q(), counters__unit=unit, counters__active=True)
        .distinct()
        .order_by("title")
    )
    return KioskChoices(counters=counters, services=services)


def ticket_people_ahead(*, ticket: QueueTicket) -> int:
    """Waiting tickets issued earlier that a counter able to serve this one would call first."""
    if ticket.state != State.WAITING:
        return 0
    earlier = QueueTicket.objects.filter(
        unit_id=ticket.unit_id, day=ticket.day, state=State.WAITING, number__lt=ticket.number
    )
    if ticket.counter_id:
        counter = ticket.counter
        return earlier.filter(_pool(counter)).count()
    counters = Counter.objects.filter(unit_id=ticket.unit_id, active=True, services=ticket.service_id)
    return earlier.filter(Q(service_id=ticket.service_id) | Q(counter__in=counters)).count()


def counter_current_ticket(*, counter: Counter, now: dt.datetime | None = None) -> QueueTicket | None:
    """The ticket standing at the counter today (called, not yet closed)."""
    return (
        QueueTicket.objects.filter(called_to=counter, day=queue_day(now), state=State.CALLED)
        .select_related("service", "counter")
        .order_by("-called_at")
        .first()
    )


def counter_waiting_count(*, counter: Counter, now: dt.datetime | None = None) -> int:
    """How many tickets of today this counter could call next."""
    return (
        QueueTicket.objects.filter(unit_id=counter.unit_id, day=queue_day(now), state=State.WAITING)
        .filter(_pool(counter))
        .count()
    )


def queue_counter_list(*, user) -> QuerySet[Counter]:
    """Open counters in the user's scope, for the clerk's choice of counter."""
    from apps.orgs.selectors import counter_list

    return counter_list(user=user).filter(active=True)


@dataclass(frozen=True)
class Board:
    unit: OrgUnit
    called: list[QueueTicket]
    waiting: int
    day: dt.date


def queue_board(*, unit: OrgUnit, now: dt.datetime | None = None) -> Board:
    """The waiting-room screen: the latest numbers called today with their counters, and how many wait."""
    day = queue_day(now)
    today = QueueTicket.objects.filter(unit=unit, day=day)
    called = list(
        today.filter(called_at__isnull=False)
        .select_related("called_to")
        .order_by("-called_at", "-number")[:BOARD_SIZE]
    )
    return Board(unit=unit, called=called, waiting=today.filter(state=State.WAITING).count(), day=day)


@dataclass(frozen=True)
class QueueFigures:
    counter: Counter | None
    issued: int
    served: int
    no_show: int
    waiting: int
    avg_wait_minutes: float | None
    max_wait_minutes: float | None


def _minutes(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def queue_waiting_figures(*, unit: OrgUnit, day: dt.date) -> tuple[list[QueueFigures], QueueFigures]:
    """One day of a desk's queue, per counter and in total: tickets issued, served, not come, still
    waiting, and the average and longest wait from issue to call, computed in SQL."""
    wait = ExpressionWrapper(F("called_at") - F("issued_at"), output_field=DurationField())
    measures = {
        "issued": Count("pk"),
        "served": Count("pk", filter=Q(state=State.SERVED)),
        "no_show": Count("pk", filter=Q(state=State.NO_SHOW)),
        "waiting": Count("pk", filter=Q(state=State.WAITING)),
        # Avg/Max skip NULL, so tickets never called do not pull the wait down.
        "avg_wait": Avg(wait),
        "max_wait": Max(wait),
    }
    tickets = QueueTicket.objects.filter(unit=unit, day=day)
    # A ticket counts for the counter that called it, else the counter it was issued for; a
    # service ticket nobody has called yet belongs to no counter.
    rows = list(
        tickets.values(handler=Coalesce("called_to", "counter")).annotate(**measures).order_by("handler")
    )
    counters = Counter.objects.in_bulk([r["handler"] for r in rows if r["handler"] is not None])

    def figures(row: dict, counter: Counter | None) -> QueueFigures:
        return QueueFigures(
            counter=counter,
            issued=row["issued"],
            served=row["served"],
            no_show=row["no_show"],
            waiting=row["waiting"],
            avg_wait_minutes=_minutes(row["avg_wait"]),
            max_wait_minutes=_minutes(row["max_wait"]),
        )

    per_counter = [figures(r, counters.get(r["handler"])) for r in rows]
    per_counter.sort(key=lambda f: (f.counter is None, f.counter.number if f.counter else 0))
    return per_counter, figures(tickets.aggregate(**measures), None)
