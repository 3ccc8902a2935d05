"""The reads of Open311 GeoReport v2: the catalog as services, requests as public status rows.

A request is public by its tracking code only as a status: nothing here reads the applicant's name,
national code, mobile, email or legal ID, so nothing can leak them.
"""

import datetime as dt

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import SubService
from apps.catalog.selectors import published_q
from apps.core.jalali import format_date
from apps.desk.models import RequestStage, ServiceRequest

OPEN_STATUSES = (ServiceRequest.Status.REGISTERED, ServiceRequest.Status.IN_PROGRESS, ServiceRequest.Status.ON_HOLD)
CLOSED_STATUSES = (ServiceRequest.Status.ANSWERED, ServiceRequest.Status.DELIVERED)
HOLDING_STATES = (RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD)


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime in Tehran time with its offset (2026-12-06T11:30:00+03:30)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def catalog_changeset() -> dt.datetime:
    """When the published catalog last changed (now, when it is empty)."""
    return SubService.objects.filter(published_q()).aggregate(at=Max("updated_at"))["at"] or timezone.now()


def open311_services(*, body_id: int | None = None) -> QuerySet[SubService]:
    """Every published sub-service with its body, in one query."""
    qs = SubService.objects.filter(published_q()).select_related("body").order_by("body_id", "code", "id")
    if body_id is not None:
        qs = qs.filter(body_id=body_id)
    return qs


def open311_service_matches(code: str, *, body_id: int | None = None) -> list[SubService]:
    """The published services with this code (a code is unique only within one body)."""
    qs = open311_services(body_id=body_id).filter(code=code).prefetch_related("documents")
    return list(qs[:20])


_REQUEST_COLUMNS = (
    "id", "tracking_code", "status", "received_at", "updated_at", "promised_at",
    "service__code", "service__title", "unit__name",
)


def open311_request_rows(qs: QuerySet[ServiceRequest]) -> list[dict]:
    """GeoReport request objects for `qs` (already filtered, ordered and sliced), in two queries
    whatever its length: the requests' own columns, then the stages of all of them at once."""
    rows = list(qs.values(*_REQUEST_COLUMNS))
    stages: dict[int, list[dict]] = {}
    if rows:
        for stage in (
            RequestStage.objects.filter(request_id__in=[r["id"] for r in rows])
            .order_by("request_id", "order")
            .values("request_id", "order", "title", "state", "unit__name")
        ):
            stages.setdefault(stage["request_id"], []).append(stage)
    return [_request_object(row, stages.get(row["id"], [])) for row in rows]


def _request_object(row: dict, stages: list[dict]) -> dict:
    status = row["status"]
    is_open = status in OPEN_STATUSES
    holding = next((s for s in stages if s["state"] in HOLDING_STATES), None)
    notes = str(ServiceRequest.Status(status).label)
    if holding is not None and is_open:
        notes += " — " + _("stage %(n)s of %(total)s: %(title)s") % {
            "n": holding["order"], "total": len(stages), "title": holding["title"],
        }
    notice = (
        _("The response is due by %(date)s.") % {"date": format_date(row["promised_at"], persian_digits=False)}
        if is_open else ""
    )
    return {
        "service_request_id": row["tracking_code"],
        "status": "open" if is_open else "closed",
        "status_notes": notes,
        "service_name": row["service__title"],
        "service_code": row["service__code"],
        "description": "",
        "agency_responsible": holding["unit__name"] if holding is not None else row["unit__name"],
        "service_notice": notice,
        "requested_datetime": w3c(row["received_at"]),
        "updated_datetime": w3c(row["updated_at"]),
        "expected_datetime": w3c(row["promised_at"]),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def open311_requests(
    *, ids: list[str] | None = None, service_codes: list[str] | None = None, body_id: int | None = None,
    start: dt.datetime | None = None, end: dt.datetime | None = None, statuses: set[str] | None = None,
    offset: int = 0, limit: int = 100,
) -> list[dict]:
    """One page of requests, newest first. `ids` (tracking codes) overrides every other filter, as
    the spec says."""
    qs = ServiceRequest.objects.order_by("-received_at", "-id")
    if ids is not None:
        qs = qs.filter(tracking_code__in=ids)
    else:
        if service_codes:
            qs = qs.filter(service__code__in=service_codes)
        if body_id is not None:
            qs = qs.filter(service__body_id=body_id)
        if start is not None:
            qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
        if statuses and statuses != {"open", "closed"}:
            qs = qs.filter(status__in=OPEN_STATUSES if "open" in statuses else CLOSED_STATUSES)
    return open311_request_rows(qs[offset : offset + limit])


def open311_request(code: str) -> dict | None:
    rows = open311_request_rows(ServiceRequest.objects.filter(tracking_code=code)[:1])
    return rows[0] if rows else None
