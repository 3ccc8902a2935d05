"""Reads of the catalog: the public portal (no login) and the scoped management lists."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from apps.catalog.models import Channel, ServiceForm, ServiceState, ServiceType, SubService, WorkflowStage
from apps.core import worktime
from apps.core.scoping import scope_by_body
from apps.core.text import search_key
from apps.orgs.models import Body, Counter


def service_states_on(day: dt.date, *, bodies=None) -> QuerySet[ServiceState]:
    """The catalog on `day`: for each service then in the catalog (valid_from <= day <= valid_until)
    and offered, the state in force that day — one row each, with its channel and type then.
    `bodies` narrows it (a Body queryset or ids). One query with a correlated subquery; aggregate it."""
    latest = (
        ServiceState.objects.filter(service=OuterRef("service"), effective_from__lte=day)
        .order_by("-effective_from", "-pk")
        .values("pk")[:1]
    )
    qs = ServiceState.objects.filter(
        Q(service__valid_until__isnull=True) | Q(service__valid_until__gte=day),
        pk=Subquery(latest),
        active=True,
        service__valid_from__lte=day,
    )
    if bodies is not None:
        qs = qs.filter(service__body__in=bodies)
    return qs


def services_on(day: dt.date, *, bodies=None) -> QuerySet[SubService]:
    """The services of `bodies` (all when None) in force on `day`, each annotated with the channel
    (`channel_on`), the reason it was not electronic (`reason_on`) and the type (`service_type_on`)
    it had that day."""
    states = service_states_on(day, bodies=bodies)
    return SubService.objects.filter(states__in=states).annotate(
        channel_on=F("states__channel"),
        reason_on=F("states__non_electronic_reason"),
        service_type_on=F("states__service_type"),
    )


def published_q(prefix: str = "") -> Q:
    """Services the public catalog shows today: active and inside their days in the catalog."""
    today = timezone.localdate()
    return Q(**{f"{prefix}active": True, f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )


def service_search(qs: QuerySet[SubService], query: str) -> QuerySet[SubService]:
    """Match every word of the query against the normalised search key (ي/ی, ك/ک, ZWNJ, digits)."""
    for word in search_key(query).split():
        qs = qs.filter(search_text__contains=word)
    return qs


def public_service_list(*, query: str = "", channel: str = "", service_type: str = "", body_id: int | None = None) -> QuerySet[SubService]:
    """Active services for the public catalog, with the body joined: a constant number of queries."""
    qs = SubService.objects.filter(published_q()).select_related("body", "body__parent")
    if query:
        qs = service_search(qs, query)
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    if service_type in ServiceType.values:
        qs = qs.filter(service_type=service_type)
    if body_id:
        qs = qs.filter(body_id=body_id)
    return qs.order_by("body__name_fa", "code")


def public_body_list() -> QuerySet[Body]:
    """Bodies that publish at least one active service, with their service counts."""
    return (
        Body.objects.annotate(service_count=Count("services", filter=published_q("services__")))
        .filter(service_count__gt=0)
        .select_related("parent")
        .order_by("name_fa")
    )


def public_service_get(*, pk: int) -> SubService:
    """One active service with its whole information document prefetched."""
    return (
        SubService.objects.filter(published_q())
        .select_related("body", "body__parent")
        .prefetch_related(
            Prefetch("stages", queryset=WorkflowStage.objects.select_related("responsible_unit")),
            "documents", "inquiries", "fees", "laws", "faqs", "forms",
            Prefetch("units"),
            Prefetch("counters", queryset=Counter.objects.select_related("unit").filter(active=True)),
        )
        .get(pk=pk)
    )


def public_service_form_get(*, service_pk: int, pk: int) -> ServiceForm:
    """A form or letter template of an active service, for download without login."""
    return ServiceForm.objects.filter(published_q("service__")).get(pk=pk, service_id=service_pk)


def public_body_counters(*, body: Body) -> QuerySet[Counter]:
    """The active counters of a body's desks and the services each one handles."""
    return (
        Counter.objects.filter(unit__body=body, active=True)
        .select_related("unit")
        .prefetch_related(Prefetch("services", queryset=SubService.objects.filter(published_q()).order_by("code")))
        .order_by("unit__path", "number")
    )


def manage_service_list(*, user, query: str = "") -> QuerySet[SubService]:
    """Services of the bodies in the user's scope, for the supervisor's screens."""
    qs = scope_by_body(SubService.objects.all(), user).select_related("body").annotate(stage_count=Count("stages"))
    if query:
        qs = service_search(qs, query)
    return qs.order_by("body__name_fa", "code")


def manage_body_list(*, user) -> QuerySet[Body]:
    """The bodies whose catalog the user works on: those with a unit in the user's scope."""
    return scope_by_body(Body.objects.all(), user, body_field="pk").order_by("name_fa", "pk")


def manage_service_get(*, user, pk: int) -> SubService:
    return scope_by_body(SubService.objects.select_related("body"), user).get(pk=pk)


def service_total_duration(service: SubService) -> dict[str, Decimal]:
    """The sum of table 1 durations per unit: {"working_day": 5, "hour": 4} (uses prefetched stages)."""
    totals = {worktime.WORKING_DAY: Decimal(0), worktime.HOUR: Decimal(0)}
    for stage in service.stages.all():
        totals[stage.duration_unit] = totals.get(stage.duration_unit, Decimal(0)) + stage.duration
    return totals


def service_promised_at(service: SubService, *, start, province=None):
    """When a request received at `start` is promised: the stages' durations in working time, in order."""
    moment = start
    for stage in service.stages.all():
        moment = worktime.add_duration(moment, stage.duration, stage.duration_unit, province=province)
    return moment
