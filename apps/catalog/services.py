"""Writes to the catalog. Every change to a service or its rows is recorded in the change log."""

import operator
from collections.abc import Callable

from django.db import transaction

from apps.catalog.models import SubService
from apps.core import pagecache
from apps.core.services import change_record, model_snapshot

# The inline rows that make up a service's information document, by related name.
SERVICE_PARTS = ("stages", "documents", "inquiries", "fees", "laws", "faqs", "forms")


def service_snapshot(service: SubService) -> dict:
    """The whole information document of a service as JSON-safe data, for before/after history."""
    data = model_snapshot(service)
    data["units"] = sorted(service.units.values_list("pk", flat=True))
    data["counters"] = sorted(service.counters.values_list("pk", flat=True))
    for part in SERVICE_PARTS:
        data[part] = [model_snapshot(row, exclude=("service",)) for row in getattr(service, part).all()]
    return data


@transaction.atomic
def service_save(*, form, formsets, by) -> SubService:
    """Save a service form and its inline formsets together and record the change (who, before/after)."""
    creating = form.instance.pk is None
    before = None if creating else service_snapshot(SubService.objects.get(pk=form.instance.pk))
    service = form.save()
    for formset in formsets:
        formset.instance = service
        formset.save()
    after = service_snapshot(service)
    if before != after:
        change_record(target=service, action="created" if creating else "updated", actor=by, before=before, after=after)
    return service


@transaction.atomic
def service_counters_set(*, service: SubService, counters, by) -> None:
    """Set the counters that serve a service, recorded like any other change."""
    before = sorted(service.counters.values_list("pk", flat=True))
    service.counters.set(counters)
    after = sorted(c.pk for c in counters)
    if before != after:
        change_record(target=service, action="counters", actor=by, before={"counters": before}, after={"counters": after})


@transaction.atomic
def counter_services_set(*, counter, services, by) -> None:
    """Make `counter` serve exactly `services`; each service that gains or loses it is recorded."""
    wanted = {s.pk: s for s in services}
    current = {s.pk: s for s in counter.services.all()}
    for pk in sorted(wanted.keys() ^ current.keys()):
        service = wanted.get(pk) or current[pk]
        counters = [c for c in service.counters.all() if c.pk != counter.pk]
        if pk in wanted:
            counters.append(counter)
        service_counters_set(service=service, counters=counters, by=by)


# --- import from Excel (apps/catalog/excel.py) ---------------------------------------------------
# Part rows are matched to stored rows so that an unchanged re-import keeps their ids (and so their
# snapshots) and a stage other records point at is updated rather than deleted: stages by their order,
# documents and fees by position.
_IMPORT_PART_KEYS = {"stages": "order", "documents": None, "fees": None}


def _import_part_sync(service: SubService, part: str, rows: list[dict], *, new: bool, same: Callable) -> bool:
    manager = getattr(service, part)
    stored = [] if new else list(manager.all())
    key = _IMPORT_PART_KEYS[part]
    if key:
        by_key = {getattr(obj, key): obj for obj in stored}
        pairs = [(by_key.pop(row[key], None), row) for row in rows]
        surplus = list(by_key.values())
    else:
        pairs = [(stored[i] if i < len(stored) else None, row) for i, row in enumerate(rows)]
        surplus = stored[len(rows):]
    if surplus:
        manager.model.objects.filter(pk__in=[obj.pk for obj in surplus]).delete()
    changed, changed_fields, created = [], set(), []
    for obj, row in pairs:
        if obj is None:
            created.append(manager.model(service=service, **row))
            continue
        differing = {name for name, value in row.items() if not same(getattr(obj, name), value)}
        if differing:
            for name in differing:
                setattr(obj, name, row[name])
            changed.append(obj)
            changed_fields |= differing
    if changed:
        manager.model.objects.bulk_update(changed, sorted(changed_fields))
    if created:
        manager.model.objects.bulk_create(created)
    return bool(surplus or changed or created)


@transaction.atomic
def service_import(
    *,
    body,
    code: str,
    fields: dict | None,
    parts: dict[str, list[dict]],
    existing: SubService | None,
    by,
    same: Callable = operator.eq,
) -> str:
    """Create or update one service from an import and replace the given parts; a service that was
    created or changed is recorded as "imported" with before/after, an unchanged one is not written.

    `fields` None leaves the service's own fields alone; `parts` maps "stages"/"documents"/"fees" to
    the rows that replace the stored ones. `existing` should come with its parts prefetched.
    `same(stored, imported)` says whether a value is unchanged (the importer's rule for text).
    Returns "created", "updated" or "unchanged".
    """
    before = service_snapshot(existing) if existing else None
    service = existing or SubService(body=body, code=code)
    if fields is not None:
        differing = [name for name, value in fields.items() if not same(getattr(service, name), value)]
        for name in differing:
            setattr(service, name, fields[name])
        if service.pk is None or differing:
            service.save()
    written = [
        part
        for part, rows in parts.items()
        if _import_part_sync(service, part, rows, new=before is None, same=same)
    ]
    # Drop only the prefetched parts that were written (no query), so the after snapshot reads them
    # back as stored and the untouched ones cost nothing.
    if written:
        pagecache.bump("public")  # the parts' bulk writes send no signal
    stale = [part for part in written if part in getattr(service, "_prefetched_objects_cache", {})]
    if stale:
        service.refresh_from_db(fields=stale)
    after = service_snapshot(service)
    if before == after:
        return "unchanged"
    change_record(target=service, action="imported", actor=by, before=before, after=after)
    return "created" if before is None else "updated"
