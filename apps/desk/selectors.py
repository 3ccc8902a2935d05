"""Scoped reads of service-desk requests: dashboards, inboxes, request pages, tracking."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.core.scoping import scope_queryset
from apps.desk.models import RequestEvent, RequestStage, ServiceRequest
from apps.orgs import roles
from apps.orgs.models import OrgUnit

OPEN_STATUSES = (ServiceRequest.Status.REGISTERED, ServiceRequest.Status.IN_PROGRESS, ServiceRequest.Status.ON_HOLD)
# Requests still at the desk: open, or answered and waiting to be collected (the partial index desk_sr_live).
LIVE_STATUSES = (*OPEN_STATUSES, ServiceRequest.Status.ANSWERED)


# Who does the work of a stage or a response (SPEC §4.3–4.4): the staff of the stage's own unit, and
# the supervisors above it; not everyone whose scope happens to cover the unit (a clerk of the
# directorate does not complete the estates department's expert stage).
STAGE_ROLES = (roles.UNIT_OFFICER, roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
# The response (table 4) is issued by the unit of the last stage: its officers and its supervisors.
RESPONSE_ROLES = (roles.UNIT_OFFICER, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)


def working_units(*, user, roles_allowed=STAGE_ROLES) -> QuerySet[OrgUnit]:
    """The units whose work `user` does: every unit in scope for supervisors and administrators, their
    own unit for officers and clerks; none without a working role."""
    if not roles.has_role(user, *roles_allowed):
        return OrgUnit.objects.none()
    if roles.has_role(user, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR):
        return scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
    return OrgUnit.objects.filter(pk=user.staff.unit_id)


def actionable_stages(*, user) -> QuerySet[RequestStage]:
    """Stages `user` may act on (complete, return, hold, resume, escalate)."""
    return RequestStage.objects.filter(unit__in=working_units(user=user))


def request_list(*, user) -> QuerySet[ServiceRequest]:
    """Requests of the user's area: received by a desk in their scope, or with a stage (or the
    response) in a unit of their scope — what an officer's unit touched is theirs to find."""
    if roles.is_national(user) or roles.has_role(user, roles.PROVINCIAL_AUDITOR):
        qs = scope_queryset(ServiceRequest.objects.all(), user)
    else:
        qs = _in_area(user)
    return qs.select_related("service", "unit", "registered_by")


def _in_area(user) -> QuerySet[ServiceRequest]:
    """Received in the user's scope, or with a stage in a unit of it."""
    if roles.is_national(user):
        return scope_queryset(ServiceRequest.objects.all(), user)
    # Row by row, not as id lists: a page of the newest 25 reads about 25 rows of the received_at
    # index and one request reads one row, each checked against the (few) units of the scope, whatever
    # the size of the archive — `pk IN (every id of the scope) OR pk IN (…)` read all of them (0.5 s a
    # query at a million requests, bench/desk_load.py).
    units = scope_queryset(OrgUnit.objects.all(), user, unit_field=None).values("pk")
    touched = RequestStage.objects.filter(request_id=OuterRef("pk"), unit_id__in=units)
    return ServiceRequest.objects.filter(Q(unit_id__in=units) | Exists(touched))


def request_get(*, user, pk: int) -> ServiceRequest:
    """One request the user may see: received in their scope, or with a stage in their unit's scope."""
    return (
        _in_area(user)
        .select_related("service", "service__body", "unit", "unit__body", "unit__province", "registered_by",
                        "delivered_by", "counter")
        .prefetch_related(
            Prefetch("stages", queryset=RequestStage.objects.select_related("unit", "finished_by").prefetch_related("files")),
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor__staff", "stage")),
            "documents",
        )
        .get(pk=pk)
    )


def request_search(qs: QuerySet[ServiceRequest], query: str) -> tuple[QuerySet[ServiceRequest], str]:
    """The staff search box: a tracking code (its check digit verified, as on the public page), a
    national code, a mobile number in any of its written forms, or part of a name. Returns the
    filtered requests and, for a mistyped tracking code, the message that says so."""
    from django.core.exceptions import ValidationError

    from apps.core.validators import normalize_mobile
    from apps.desk.tracking import tracking_code_clean, tracking_code_problem

    if not query:
        return qs, ""
    digits = tracking_code_clean(query)
    if not digits or any(ch.isalpha() for ch in query):
        return qs.filter(full_name__icontains=query), ""
    try:
        mobile = normalize_mobile(query)
    except ValidationError:
        mobile = ""
    match = Q(national_code=digits) if len(digits) == 10 else Q(pk__in=[])
    if mobile:
        match |= Q(mobile=mobile)
    if len(digits) == 11 and not tracking_code_problem(digits):
        match |= Q(tracking_code=digits)
    elif not mobile and len(digits) != 10:
        return qs.none(), tracking_code_problem(digits)
    return qs.filter(match), ""


INBOX_MINE = "mine"
INBOX_ALL = "all"


def inbox(*, user, unit: str | int = INBOX_MINE) -> QuerySet[RequestStage]:
    """Stages waiting (active or on hold), the earliest due first: of the user's own unit by default;
    `unit` = INBOX_ALL for every unit in their scope, or the id of one unit of it."""
    waiting = scope_queryset(
        RequestStage.objects.filter(state__in=[RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD]), user
    )
    staff = getattr(user, "staff", None)
    if unit == INBOX_MINE and staff is not None:
        waiting = waiting.filter(unit_id=staff.unit_id)
    elif unit not in (INBOX_MINE, INBOX_ALL):
        waiting = waiting.filter(unit_id=unit)
    return waiting.select_related("request", "request__service", "unit", "escalated_to").order_by("due_at", "pk")


def inbox_units(*, user) -> QuerySet[OrgUnit]:
    """The units the inbox filter offers: the user's own and those below it in their scope."""
    return scope_queryset(OrgUnit.objects.all(), user, unit_field=None).order_by("path")


def escalated_to_me(*, user) -> QuerySet[RequestStage]:
    """Stages escalated to this user and still waiting."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return RequestStage.objects.none()
    return (
        RequestStage.objects.filter(escalated_to=staff, state__in=[RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD])
        .select_related("request", "request__service", "unit")
        .order_by("due_at", "pk")
    )


def awaiting_response(*, user) -> QuerySet[ServiceRequest]:
    """Requests whose every stage is done, waiting for the response that this user's unit issues."""
    return (
        ServiceRequest.objects.filter(
            status=ServiceRequest.Status.IN_PROGRESS, stages_done_at__isnull=False,
            response_unit__in=working_units(user=user, roles_allowed=RESPONSE_ROLES),
        )
        .select_related("service", "unit", "registered_by", "response_unit")
        .order_by("promised_at")
    )


def awaiting_response_at_desk(*, user) -> QuerySet[ServiceRequest]:
    """Requests received at the user's desks that wait for their response elsewhere (for the clerk:
    where each one is, not a task)."""
    return (
        scope_queryset(ServiceRequest.objects.all(), user)
        .filter(status=ServiceRequest.Status.IN_PROGRESS, stages_done_at__isnull=False)
        .select_related("service", "unit", "response_unit")
        .order_by("promised_at")
    )


def awaiting_delivery(*, user) -> QuerySet[ServiceRequest]:
    return request_list(user=user).filter(status=ServiceRequest.Status.ANSWERED).order_by("answered_at")


def overdue_stages(*, user) -> QuerySet[RequestStage]:
    return inbox(user=user).filter(due_at__lt=timezone.now())


def overdue_requests(*, user) -> QuerySet[ServiceRequest]:
    return (
        request_list(user=user)
        .filter(status__in=OPEN_STATUSES, promised_at__lt=timezone.now())
        .order_by("promised_at")
    )


def dashboard_counts(*, user) -> dict[str, int]:
    """The counters on the desk dashboard, each the size of a list the user opens: the stages of their
    inbox (waiting, overdue, on hold), the responses they issue, and the desk's live requests. A few
    queries, each reading only the rows that can count through the partial indexes."""
    now = timezone.now()
    # Counted over indexed columns, not the id: everything read is then in the partial indexes
    # (index-only scans). due_at and status are never null on the rows these filters keep.
    stages = inbox(user=user).aggregate(
        inbox=Count("*"), overdue=Count("due_at", filter=Q(due_at__lt=now)),
        on_hold=Count("due_at", filter=Q(state=RequestStage.State.ON_HOLD)),
    )
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    live = scope_queryset(ServiceRequest.objects.filter(status__in=LIVE_STATUSES), user)
    requests = live.aggregate(
        to_deliver=Count("status", filter=Q(status=ServiceRequest.Status.ANSWERED)),
        overdue=Count("status", filter=Q(promised_at__lt=now, status__in=OPEN_STATUSES)),
    )
    requests["today"] = scope_queryset(ServiceRequest.objects.filter(received_at__gte=today), user).count()
    return {
        "inbox": stages["inbox"], "overdue_stages": stages["overdue"], "on_hold": stages["on_hold"],
        "to_respond": awaiting_response(user=user).count(), "today": requests["today"],
        "to_deliver": requests["to_deliver"], "overdue_requests": requests["overdue"],
    }


def queue_ticket_for_intake(*, user, pk: int | None):
    """The called ticket of today that an intake records (in the user's scope), or None."""
    from apps.desk.models import QueueTicket

    if not pk:
        return None
    return scope_queryset(QueueTicket.objects.all(), user).filter(pk=pk).first()


def open_duplicates(*, service_id: int, national_code: str) -> QuerySet[ServiceRequest]:
    """Open requests of the same applicant for the same service (the clerk is warned at intake)."""
    return ServiceRequest.objects.filter(
        service_id=service_id, national_code=national_code,
        status__in=OPEN_STATUSES,
    ).only("tracking_code", "received_at")


def request_by_tracking_code(code: str, *, stages: bool = True) -> ServiceRequest | None:
    """The public tracking lookup: the request and what the timeline needs (`stages`), or None."""
    qs = ServiceRequest.objects.filter(tracking_code=code).select_related("service", "service__body", "unit__body")
    if stages:
        qs = qs.prefetch_related(Prefetch("stages", queryset=RequestStage.objects.select_related("unit")))
    return qs.first()
