"""Writes to the catalog. Every change to a service or its rows is recorded in the change log."""

from django.db import transaction

from apps.catalog.models import SubService
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
