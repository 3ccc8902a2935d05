"""The daily rollup of requests (apps.desk.models.RequestDay): kept on write, rebuilt from the raw
requests on demand (how: apps.core.rollups).

Each of the three moments of a request is counted on its own Tehran day, in the row of the request's
unit and sub-service: received (and whether online), answered (and whether by the promised date — the
receipt's date, which never moves), delivered. That is the rule the periodic reports count by
(apps.reports.figures), so a report reads a few rows per unit and day instead of every request.

Kept on write by apps.desk.services (register, answer, deliver), inside their transactions. Anything
that changes these moments in bulk (the demo's history, an import) rebuilds the days it touched:
`request_rollups_rebuild` or `manage.py rollups_rebuild`.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Value

from apps.core.rollups import day_of, grouped, in_days, insert_sql, raw_in, rollup_add, rollup_rows
from apps.desk.models import RequestDay, ServiceRequest

COUNTERS = ("received", "online", "answered", "on_time", "delivered")
KEYS = ("day", "unit", "service")


def _add(request: ServiceRequest, at: dt.datetime, **delta: int) -> None:
    key = {"day": day_of(at), "unit_id": request.unit_id, "service_id": request.service_id}
    rollup_add(RequestDay, key, delta)


def request_received_count(request: ServiceRequest) -> None:
    """Count a request just registered on its day."""
    _add(request, request.received_at, received=1, online=int(request.channel == ServiceRequest.Channel.ONLINE))


def request_answered_count(request: ServiceRequest) -> None:
    """Count a response just issued on its day, and whether it kept the promised date."""
    _add(request, request.answered_at, answered=1, on_time=int(request.answered_at <= request.promised_at))


def request_delivered_count(request: ServiceRequest) -> None:
    """Count a response just handed over on its day."""
    _add(request, request.delivered_at, delivered=1)


def _raw_sql(first: dt.date | None, last: dt.date | None) -> tuple[str, list, list[str]]:
    """SELECT the rollup rows of days first … last from the raw requests: one grouped query per moment
    (UNION ALL, each with every counter, zero for the others), added up per day and place. Returns
    the SQL, its parameters and the rollup columns it selects, in order."""
    zero = Value(0, output_field=IntegerField())
    online = Q(channel=ServiceRequest.Channel.ONLINE)

    def moment(field: str, **counted):
        rows = raw_in(ServiceRequest.objects.filter(**{f"{field}__isnull": False}), field, first, last)
        sums = {name: counted.get(name, zero) for name in COUNTERS}
        return grouped(rows, field, {"unit": "unit_id", "service": "service_id"}, {}, sums)

    received = moment("received_at", received=Count("pk"), online=Count("pk", filter=online))
    answered = moment(
        "answered_at", answered=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("promised_at")))
    )
    delivered = moment("delivered_at", delivered=Count("pk"))
    union = received.union(answered, delivered, all=True)
    sql, params = union.query.get_compiler(connection=connection).as_sql()
    keys = ", ".join(f"rollup_{k}" for k in KEYS)
    sums = ", ".join(f"SUM(rollup_{c})" for c in COUNTERS)
    # Only the module's own column names and Django's compiled SQL (its values are parameters).
    outer = f"SELECT {keys}, {sums} FROM ({sql}) moments GROUP BY {keys}"  # noqa: S608
    return outer, list(params), [f"rollup_{name}" for name in (*KEYS, *COUNTERS)]


@transaction.atomic
def request_rollups_rebuild(*, first: dt.date | None = None, last: dt.date | None = None) -> dict[str, int]:
    """Replace the rows of the days first … last (every day when not given) by the raw requests'
    counts, in one transaction. Returns the rows written."""
    in_days(RequestDay.objects.all(), first, last).delete()
    sql, params, aliases = _raw_sql(first, last)
    return {RequestDay._meta.model_name: insert_sql(RequestDay, sql, params, aliases)}


def request_rollup_rows_from_raw(first: dt.date | None = None, last: dt.date | None = None) -> set[tuple]:
    """What apps.core.rollups.rollup_rows(RequestDay, …) should be, in the same tuple shape."""
    sql, params, _aliases = _raw_sql(first, last)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite hands the day back as text, PostgreSQL its sums as numerics.
    return {
        (day if isinstance(day, dt.date) else dt.date.fromisoformat(day), unit, service, *map(int, counts))
        for day, unit, service, *counts in rows
    }


def request_rollups_differences(first: dt.date | None = None, last: dt.date | None = None) -> dict[str, int]:
    """{rollup: how many rows differ between the kept rows and the raw requests} (zero when they agree)."""
    kept = rollup_rows(RequestDay, first, last)
    return {RequestDay._meta.model_name: len(kept ^ request_rollup_rows_from_raw(first, last))}
