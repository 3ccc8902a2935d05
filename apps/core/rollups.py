"""What every daily rollup shares (apps.feedback.rollups for ratings and questionnaires,
apps.desk.rollups for requests): the Tehran day a moment belongs to, adding to a row on write, and
rebuilding rows from the raw ones in SQL.

A rollup row holds counters of one key (a day and a place) and is kept on write: the service that
records something adds its share inside its own transaction, so a rollup never shows a write that was
rolled back. A share is added to the row of its key by an UPDATE of `F()` increments; when the row is
missing it is inserted, and an insert that loses the race to a concurrent writer (IntegrityError on
the key) falls back to the UPDATE, which then sees the winner's committed row. (PostgreSQL's INSERT …
ON CONFLICT DO UPDATE through bulk_create cannot add to a column, so it is not used.)

Rebuilt: the rows of a range of days are replaced by INSERT … SELECT … GROUP BY over the raw rows, so
the database does the work whatever their number.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, IntegerField, Min
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

# Tries of the UPDATE-then-INSERT of one key: the second always finds the row a concurrent writer made.
UPSERT_ATTEMPTS = 3


def tehran():
    return ZoneInfo(settings.TIME_ZONE)


def day_of(at: dt.datetime) -> dt.date:
    """The Tehran day a moment (a rating, a questionnaire, a request received) belongs to."""
    return timezone.localtime(at, tehran()).date()


def rollup_add(model, key: dict, delta: dict, copies: dict | None = None) -> None:
    """Add `delta` to the rollup row of `key`, inserting it (with `copies`) when it does not exist."""
    delta = {name: value for name, value in delta.items() if value}
    if not delta:
        return
    increments = {name: F(name) + value for name, value in delta.items()}
    for _attempt in range(UPSERT_ATTEMPTS):
        if model.objects.filter(**key).update(**increments):
            return
        try:
            with transaction.atomic():
                model.objects.create(**key, **(copies or {}), **delta)
            return
        except IntegrityError:
            continue  # a concurrent writer created the row first: add to theirs
    raise RuntimeError(f"could not add to the {model._meta.model_name} row {key}")


def insert_sql(model, sql: str, params, aliases: list[str]) -> int:
    """INSERT INTO the rollup table (the columns of `aliases`, each "rollup_" + a field) `sql`."""
    columns = [model._meta.get_field(alias.removeprefix("rollup_")).column for alias in aliases]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(map(connection.ops.quote_name, columns))}) {sql}", params)
        return cursor.rowcount


def insert_select(model, qs) -> int:
    """INSERT INTO the rollup table SELECT … (the grouped queryset `qs`, whose every column is a
    named annotation spelled as the rollup's column)."""
    compiler = qs.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    return insert_sql(model, sql, params, [alias for _expr, _sql, alias in compiler.select])


def grouped(qs, time_field: str, keys: dict, copies: dict, sums: dict):
    """`qs` grouped by Tehran day and `keys`, with `copies` (the same within a key) and `sums`; each
    column is named "rollup_" + the rollup's field (a bare name could clash with the raw model's)."""
    named = {"day": TruncDate(time_field, tzinfo=tehran()), **{k: F(v) for k, v in keys.items()}}
    aggregates = {**{k: Min(v) for k, v in copies.items()}, **{k: Coalesce(v, 0) for k, v in sums.items()}}
    return (
        qs.order_by()
        .annotate(**{f"rollup_{k}": v for k, v in named.items()})
        .values(*(f"rollup_{k}" for k in named))
        .annotate(**{f"rollup_{k}": v for k, v in aggregates.items()})
    )


def raw_in(qs, time_field: str, first: dt.date | None, last: dt.date | None):
    """The raw rows whose `time_field` falls on the Tehran days first … last."""
    if first is not None:
        qs = qs.filter(**{f"{time_field}__gte": dt.datetime.combine(first, dt.time.min, tzinfo=tehran())})
    if last is not None:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tehran())
        qs = qs.filter(**{f"{time_field}__lt": end})
    return qs


def in_days(qs, first: dt.date | None, last: dt.date | None):
    """The rollup rows of the days first … last (every day when not given)."""
    if first is not None:
        qs = qs.filter(day__gte=first)
    if last is not None:
        qs = qs.filter(day__lte=last)
    return qs


def rollup_rows(model, first: dt.date | None = None, last: dt.date | None = None) -> set[tuple]:
    """The kept rows of one rollup (days first … last), as comparable tuples without ids."""
    names = [f.name for f in model._meta.concrete_fields if f.name != "id"]
    attnames = [model._meta.get_field(n).attname for n in names]
    # A row whose counters are all zero (a rating held, then rejected and counted again) says nothing.
    counters = [n for n in names if isinstance(model._meta.get_field(n), IntegerField) and not n.endswith("_id")]
    rows = in_days(model.objects.all(), first, last).values_list(*attnames)
    return {tuple(row) for row in rows if any(row[attnames.index(c)] for c in counters)}
