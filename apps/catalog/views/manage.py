"""The desk supervisor's catalog screens (SPEC §3): the services of the bodies in scope with their
table 1 and information document, the change history of each, and what every counter serves.

Every logged-in role may read these pages; only a body supervisor or an administrator may change
anything. Every object is fetched through a scoped selector, so another body's service is a 404.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.catalog import selectors, services
from apps.catalog.forms import CounterAssignmentForm, SubServiceForm, service_formsets, unit_choices
from apps.catalog.models import (
    FAQ,
    Fee,
    Inquiry,
    LawReference,
    RequiredDocument,
    ServiceForm,
    SubService,
    WorkflowStage,
)
from apps.core import worktime
from apps.core.access import get_or_404, role_required
from apps.core.scoping import scope_by_body, scope_queryset
from apps.core.services import change_history
from apps.core.templatetags.portal import digits
from apps.core.text import search_query
from apps.orgs import roles
from apps.orgs import selectors as org_selectors
from apps.orgs.models import Body, Counter, OrgUnit
from apps.orgs.services import counter_staff_set

EDITORS = (roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
READERS = tuple(roles.ROLE_LABELS)


def _can_edit(request: HttpRequest) -> bool:
    return roles.has_role(request.user, *EDITORS)


# --- services -----------------------------------------------------------------------------------


@role_required(*READERS)
def service_list(request: HttpRequest) -> HttpResponse:
    query = search_query(request)
    page = Paginator(selectors.manage_service_list(user=request.user, query=query), 50).get_page(
        request.GET.get("page")
    )
    can_edit = _can_edit(request)
    return render(
        request,
        "catalog/manage_service_list.html",
        {
            "page": page,
            "services": page.object_list,
            "q": query,
            "can_edit": can_edit,
            # Excel import and export work on one body's catalog: the bodies the user may choose.
            "excel_bodies": list(selectors.manage_body_list(user=request.user)) if can_edit else [],
        },
    )


@role_required(*EDITORS)
def service_create(request: HttpRequest) -> HttpResponse:
    return _service_form_page(request, SubService())


@role_required(*EDITORS)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _service_form_page(request, get_or_404(selectors.manage_service_get, user=request.user, pk=pk))


def _service_form_page(request: HttpRequest, service: SubService) -> HttpResponse:
    """The one page of a service: its form and the six inline lists, validated and saved together."""
    user = request.user
    saved_title = str(service) if service.pk else ""
    bodies = scope_by_body(Body.objects.all(), user, body_field="pk").order_by("name_fa")
    units = scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
    if service.pk:
        # The units already named in table 1 stay valid choices even if they left the editor's scope.
        stage_units = OrgUnit.objects.filter(
            Q(pk__in=units.filter(body_id=service.body_id).values("pk"))
            | Q(pk__in=service.stages.values("responsible_unit_id"))
        )
    else:
        stage_units = units
    stage_units = stage_units.select_related("body").order_by("body__name_fa", "path")
    data = request.POST if request.method == "POST" else None
    form = SubServiceForm(data, instance=service, bodies=bodies, units=units)
    formsets = service_formsets(
        service=service, data=data, units=stage_units, choices=unit_choices(stage_units)
    )
    if data is not None:
        form_ok = form.is_valid()
        # Table 1 is checked against the body chosen in the same POST (fixed on edit).
        formsets[0].body = form.cleaned_data.get("body") or (service.body if service.pk else None)
        formsets_ok = all(formset.is_valid() for formset in formsets)
        if form_ok and formsets_ok:
            saved = services.service_save(form=form, formsets=formsets, by=user)
            messages.success(request, _("The service “%(title)s” was saved.") % {"title": saved.title})
            return redirect("catalog:service_detail", pk=saved.pk)
        messages.error(request, _("Nothing was saved yet: correct the fields marked below and save again."))
    return render(
        request,
        "catalog/manage_service_form.html",
        {"form": form, "formsets": formsets, "service": service, "saved_title": saved_title},
    )


@role_required(*READERS)
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_or_404(selectors.manage_service_get, user=request.user, pk=pk)
    models.prefetch_related_objects(
        [service],
        Prefetch("stages", queryset=WorkflowStage.objects.select_related("responsible_unit")),
        "documents",
        "inquiries",
        "fees",
        "laws",
        "faqs",
        "forms",
        "units",
        "states",
        Prefetch("counters", queryset=Counter.objects.select_related("unit")),
    )
    totals = selectors.service_total_duration(service)
    return render(
        request,
        "catalog/manage_service_detail.html",
        {
            "service": service,
            "promised": _promised_text(totals),
            "declared": _amount_text(service.average_duration, service.average_duration_unit),
            "can_edit": _can_edit(request),
        },
    )


def _number(amount) -> str:
    """2, 1.5 — never "2.0"."""
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError):
        return str(amount)
    return (
        str(amount.quantize(Decimal(1))) if amount == amount.to_integral_value() else str(amount.normalize())
    )


def _amount_text(amount, unit: str) -> str:
    """The amount with its unit, as in «3 working days» or «1.5 hours»; empty when there is none."""
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    # ngettext wants a count: a fractional amount reads as plural in both languages.
    count = int(amount) if amount == amount.to_integral_value() else 2
    phrases = {
        worktime.WORKING_DAY: ngettext("%(n)s working day", "%(n)s working days", count),
        worktime.HOUR: ngettext("%(n)s hour", "%(n)s hours", count),
        worktime.CALENDAR_DAY: ngettext("%(n)s calendar day", "%(n)s calendar days", count),
    }
    return phrases.get(unit, "%(n)s " + str(unit)) % {"n": _number(amount)}


def _promised_text(totals: dict) -> str:
    """The sum of table 1 as "N working days + M hours" (only the parts that are there)."""
    parts = [
        _amount_text(totals[unit], unit)
        for unit in (worktime.WORKING_DAY, worktime.HOUR, worktime.CALENDAR_DAY)
        if totals.get(unit)
    ]
    return " + ".join(parts)


# --- history ------------------------------------------------------------------------------------

# Inline lists of a service snapshot, in page order, with the model that labels their fields.
_PARTS = {
    "stages": WorkflowStage,
    "documents": RequiredDocument,
    "inquiries": Inquiry,
    "fees": Fee,
    "laws": LawReference,
    "faqs": FAQ,
    "forms": ServiceForm,
}
_ACTIONS = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Edited"),
    "counters": gettext_lazy("Counters changed"),
    "imported": gettext_lazy("Imported from Excel"),
}
_EMPTY = "—"


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class RowChange:
    kind: str  # "added", "removed" or "changed"
    label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class PartChange:
    label: str
    rows: list[RowChange]


@dataclass
class HistoryEntry:
    record: object
    action: str
    fields: list[FieldChange]
    parts: list[PartChange]


class _Names:
    """Names of the bodies, units and counters that snapshots hold as ids (three queries in all)."""

    def __init__(self, records) -> None:
        unit_ids, counter_ids, body_ids = set(), set(), set()
        for record in records:
            for snap in (record.before or {}, record.after or {}):
                unit_ids.update(snap.get("units") or [])
                counter_ids.update(snap.get("counters") or [])
                if snap.get("body_id"):
                    body_ids.add(snap["body_id"])
                unit_ids.update(row.get("responsible_unit_id") for row in snap.get("stages") or [])
        self.units = {pk: u.name for pk, u in OrgUnit.objects.in_bulk(unit_ids - {None}).items()}
        self.counters = {
            pk: f"{c.unit.name} – {_('counter')} {c.number}"
            for pk, c in Counter.objects.select_related("unit").in_bulk(counter_ids).items()
        }
        self.bodies = {pk: b.name for pk, b in Body.objects.in_bulk(body_ids).items()}


def _display(model, key: str, value, names: _Names) -> str:
    """A snapshot value as a person reads it: choice labels, names instead of ids, yes/no."""
    if key in ("units", "counters"):
        lookup = names.units if key == "units" else names.counters
        return "، ".join(lookup.get(pk, f"#{pk}") for pk in value or []) or _EMPTY
    if value in (None, "", []):
        return _EMPTY
    try:
        model_field = next(f for f in model._meta.concrete_fields if f.attname == key)
    except StopIteration:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.DecimalField):
        return _number(value)
    if isinstance(model_field, models.ForeignKey):
        lookup = {Body: names.bodies, OrgUnit: names.units}.get(model_field.related_model, {})
        return lookup.get(value, f"#{value}")
    return Truncator(str(value)).chars(160)


def _label(model, key: str) -> str:
    for f in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if key in (f.name, f.attname):
            return str(f.verbose_name)
    return key


def _field_changes(model, before: dict, after: dict, names: _Names) -> list[FieldChange]:
    changes = []
    for key in after:
        if key == "id" or key in _PARTS or before.get(key) == after.get(key):
            continue
        changes.append(
            FieldChange(
                _label(model, key),
                _display(model, key, before.get(key), names),
                _display(model, key, after.get(key), names),
            )
        )
    return changes


def _row_label(row: dict) -> str:
    text = row.get("title") or row.get("question") or f"#{row.get('id')}"
    return f"{row['order']}. {text}" if row.get("order") is not None else text


def _part_changes(before: dict | None, after: dict, names: _Names) -> list[PartChange]:
    parts = []
    for key, model in _PARTS.items():
        old = {row["id"]: row for row in (before or {}).get(key, [])}
        new = {row["id"]: row for row in after.get(key, [])}
        rows = [RowChange("removed", _row_label(row)) for pk, row in old.items() if pk not in new]
        for pk, row in new.items():
            if pk not in old:
                rows.append(RowChange("added", _row_label(row)))
            elif old[pk] != row:
                rows.append(RowChange("changed", _row_label(row), _field_changes(model, old[pk], row, names)))
        if rows:
            parts.append(PartChange(str(model._meta.verbose_name_plural), rows))
    return parts


def _history_entry(record, names: _Names) -> HistoryEntry:
    after = record.after or {}
    # A new service lists what it was created with; its field values are on the service page.
    fields = [] if record.before is None else _field_changes(SubService, record.before, after, names)
    return HistoryEntry(
        record=record,
        action=str(_ACTIONS.get(record.action, record.action)),
        fields=fields,
        parts=_part_changes(record.before, after, names),
    )


@role_required(*READERS)
def service_history(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_or_404(selectors.manage_service_get, user=request.user, pk=pk)
    records = list(change_history(service))
    names = _Names(records)
    return render(
        request,
        "catalog/manage_service_history.html",
        {"service": service, "entries": [_history_entry(r, names) for r in records]},
    )


# --- counters -----------------------------------------------------------------------------------


@role_required(*READERS)
def counter_list(request: HttpRequest) -> HttpResponse:
    counters = org_selectors.counter_list(user=request.user).annotate(
        service_count=Count("services", distinct=True),
        staff_count=Count("staff", filter=Q(staff__active=True), distinct=True),
    )
    return render(
        request, "catalog/manage_counter_list.html", {"counters": counters, "can_edit": _can_edit(request)}
    )


@role_required(*EDITORS)
def counter_services(request: HttpRequest, pk: int) -> HttpResponse:
    """The sub-services a counter handles (they go on its sign) and the staff who sit at it."""
    counter = get_or_404(org_selectors.counter_get, user=request.user, pk=pk)
    offered = selectors.manage_service_list(user=request.user).filter(body_id=counter.unit.body_id)
    staff = org_selectors.staff_list(user=request.user).filter(
        active=True, unit__path__startswith=counter.unit.path
    )
    form = CounterAssignmentForm(
        request.POST if request.method == "POST" else None,
        services=offered,
        staff=staff,
        initial={
            "services": counter.services.filter(pk__in=offered.values("pk")),
            "staff": counter.staff.all(),
        },
    )
    if form.is_valid():
        # Only what the page offered is changed: services of other bodies and staff from elsewhere
        # already at this counter stay as they are.
        kept_services = list(counter.services.exclude(pk__in=offered.values("pk")))
        kept_staff = list(counter.staff.exclude(pk__in=staff.values("pk")))
        with transaction.atomic():
            services.counter_services_set(
                counter=counter, services=[*form.cleaned_data["services"], *kept_services], by=request.user
            )
            counter_staff_set(
                counter=counter, staff=[*form.cleaned_data["staff"], *kept_staff], by=request.user
            )
        messages.success(request, _("Counter %(number)s was saved.") % {"number": digits(counter.number)})
        return redirect("catalog:counter_list")
    return render(request, "catalog/manage_counter_services.html", {"counter": counter, "form": form})


urlpatterns = [
    path("services/", service_list, name="service_list"),
    path("services/new/", service_create, name="service_create"),
    path("services/<int:pk>/", service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", service_edit, name="service_edit"),
    path("services/<int:pk>/history/", service_history, name="service_history"),
    path("counters/", counter_list, name="counter_list"),
    path("counters/<int:pk>/", counter_services, name="counter_services"),
]
