"""Scoped reads of service-desk requests: dashboards, inboxes, request pages, tracking."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.core.scoping import scope_queryset
from apps.desk.models import RequestEvent, RequestStage, ServiceRequest

OPEN_STATUSES = (ServiceRequest.Status.REGISTERED, ServiceRequest.Status.IN_PROGRESS, ServiceRequest.Status.ON_HOLD)
# Requests still at the desk: open, or answered and waiting to be collected (the partial index desk_sr_live).
LIVE_STATUSES = (*OPEN_STATUSES, ServiceRequest.Status.ANSWERED)


def request_list(*, user) -> QuerySet[ServiceRequest]:
    """Requests received by desks in the user's scope."""
    return scope_queryset(ServiceRequest.objects.all(), user).select_related("service", "unit", "registered_by")


def request_get(*, user, pk: int) -> ServiceRequest:
    """One request the user may see: received in their scope, or with a stage in their unit's scope."""
    in_scope = scope_queryset(ServiceRequest.objects.all(), user).values("pk")
    stage_in_scope = scope_queryset(RequestStage.objects.all(), user).values("request_id")
    return (
        ServiceRequest.objects.filter(Q(pk__in=in_scope) | Q(pk__in=stage_in_scope))
        .select_related("service", "service__body", "unit", "unit__body", "unit__province", "registered_by",
                        "delivered_by", "counter")
        .prefetch_related(
            Prefetch("stages", queryset=RequestStage.objects.select_related("unit", "finished_by").prefetch_related("files")),
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor__staff", "stage")),
            "documents",
        )
        .get(pk=pk)
    )


def inbox(*, user) -> QuerySet[RequestStage]:
    """Stages waiting in the units of the user's scope (active or on hold), oldest due first."""
    return (
        scope_queryset(RequestStage.objects.filter(state__in=[RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD]), user)
        .select_related("request", "request__service", "unit")
        .order_by("due_at", "pk")
    )


def awaiting_response(*, user) -> QuerySet[ServiceRequest]:
    """Requests whose every stage is done but whose response is not issued yet."""
    return (
        request_list(user=user)
        .filter(status=ServiceRequest.Status.IN_PROGRESS, stages_done_at__isnull=False)
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
    """The counters on the clerk and officer dashboards: three queries, each reading only the rows
    that can count (live requests, stages in the inbox, today's intake) through indexes, never the
    whole archive."""
    now = timezone.now()
    # Counted over indexed columns, not the id: everything read is then in the partial indexes
    # (index-only scans). due_at and status are never null on the rows these filters keep.
    stages = inbox(user=user).aggregate(inbox=Count("*"), overdue=Count("due_at", filter=Q(due_at__lt=now)))
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    live = scope_queryset(ServiceRequest.objects.filter(status__in=LIVE_STATUSES), user)
    requests = live.aggregate(
        to_deliver=Count("status", filter=Q(status=ServiceRequest.Status.ANSWERED)),
        on_hold=Count("status", filter=Q(status=ServiceRequest.Status.ON_HOLD)),
        overdue=Count("status", filter=Q(promised_at__lt=now, status__in=OPEN_STATUSES)),
    )
    requests["today"] = scope_queryset(ServiceRequest.objects.filter(received_at__gte=today), user).count()
    return {
        "inbox": stages["inbox"], "overdue_stages": stages["overdue"], "today": requests["today"],
        "to_deliver": requests["to_deliver"], "on_hold": requests["on_hold"], "overdue_requests": requests["overdue"],
    }


def open_duplicates(*, service_id: int, national_code: str) -> QuerySet[ServiceRequest]:
    """Open requests of the same applicant for the same service (the clerk is warned at intake)."""
    return ServiceRequest.objects.filter(
        service_id=service_id, national_code=national_code,
        status__in=OPEN_STATUSES,
    ).only("tracking_code", "received_at")


def request_by_tracking_code(code: str) -> ServiceRequest | None:
    """The public tracking lookup: the request and what the timeline needs, or None."""
    return (
        ServiceRequest.objects.filter(tracking_code=code)
        .select_related("service", "service__body", "unit")
        .prefetch_related(Prefetch("stages", queryset=RequestStage.objects.select_related("unit")))
        .first()
    )
