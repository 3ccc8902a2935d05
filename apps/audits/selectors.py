"""Scoped reads of audit forms: every list and page a user sees comes through here.

Supervisors see the forms of their unit and below, provincial auditors those of their province
(provincial units only: HQ units have no province), national roles everything — the one rule of
apps.core.scoping. A form outside the scope is not in the queryset, so its page answers 404.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from apps.audits.models import AuditForm, AuditFormVersion, AuditRound, AuditServiceRow
from apps.catalog.models import Channel
from apps.core.scoping import scope_queryset
from apps.core.services import change_history
from apps.orgs import roles

# The roles that work with audit forms; clerks and officers have no part in them.
AUDIT_ROLES = (roles.BODY_SUPERVISOR, roles.PROVINCIAL_AUDITOR, roles.NATIONAL_AUDITOR, roles.ADMINISTRATOR)


def audit_form_list(*, user) -> QuerySet[AuditForm]:
    """The forms in the user's scope with round, unit, body and people joined and the §1 totals
    counted in SQL: one query however many forms."""

    def count(**lookup):
        return Count("rows", filter=Q(**{f"rows__{k}": v for k, v in lookup.items()}))

    qs = AuditForm.objects.select_related(
        "round", "unit", "unit__province", "body", "body__parent", "preparer", "evaluator"
    ).annotate(
        services_count=Count("rows"),
        in_person_count=count(channel=Channel.IN_PERSON),
        electronic_count=count(channel=Channel.ELECTRONIC),
        hybrid_count=count(channel=Channel.HYBRID),
        outside_count=count(channel=Channel.OUTSIDE),
        false_count=count(channel_false=True),
        overdue=_overdue(timezone.localdate()),
    )
    return scope_queryset(qs, user, unit_field="unit").order_by(
        "-round__year", "-round__number", "body__name_fa", "unit__path"
    )


def audit_form_get(*, user, pk: int) -> AuditForm:
    """One form in the user's scope with its rows and §2 items (three queries)."""
    return (
        scope_queryset(AuditForm.objects.all(), user, unit_field="unit")
        .select_related("round", "unit", "unit__province", "body", "body__parent", "preparer", "evaluator")
        .prefetch_related("rows", "space_items")
        .get(pk=pk)
    )


def audit_round_list() -> QuerySet[AuditRound]:
    return AuditRound.objects.order_by("-year", "-number")


def audit_state_counts(*, user, round_id: int | None = None) -> dict[str, int]:
    """How many forms in the user's scope (of one round, when given) are in each state (one query)."""
    qs = scope_queryset(AuditForm.objects.all(), user, unit_field="unit")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    counts = dict.fromkeys(AuditForm.State.values, 0)
    for row in qs.order_by().values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    return counts


def overdue_q(today: dt.date) -> Q:
    """Forms past the due date of the part waiting for someone (the rule of AuditForm.overdue_on)."""
    return Q(state__in=AuditForm.BODY_EDITABLE, declaration_due__lt=today) | Q(
        state__in=AuditForm.EVALUATOR_EDITABLE, evaluation_due__lt=today
    )


def _overdue(today: dt.date) -> Case:
    return Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def audit_overdue_counts(*, user, today: dt.date | None = None) -> dict[str, int]:
    """Overdue forms in the user's scope: the body's part and the evaluator's part (one query)."""
    today = today or timezone.localdate()
    qs = scope_queryset(AuditForm.objects.all(), user, unit_field="unit")
    return qs.aggregate(
        body=Count("pk", filter=Q(state__in=AuditForm.BODY_EDITABLE, declaration_due__lt=today)),
        evaluation=Count("pk", filter=Q(state__in=AuditForm.EVALUATOR_EDITABLE, evaluation_due__lt=today)),
    )


def audit_form_versions(*, form: AuditForm) -> QuerySet[AuditFormVersion]:
    """The verified versions of a form, newest first, with who verified them."""
    return form.versions.select_related("verified_by").order_by("-number")


def audit_previous_version(*, form: AuditForm) -> AuditFormVersion | None:
    """The last verified version of the same unit's form in the round before this one."""
    earlier = Q(form__round__year__lt=form.round.year) | Q(
        form__round__year=form.round.year, form__round__number__lt=form.round.number
    )
    return (
        AuditFormVersion.objects.filter(earlier, form__unit_id=form.unit_id)
        .select_related("form__round")
        .order_by("-form__round__year", "-form__round__number", "-number")
        .first()
    )


def _body_records(form: AuditForm):
    """The records of the body's edits and of the re-read figures of a form, oldest first."""
    return (
        change_history(form)
        .filter(action__in=("body_updated", "refreshed", "returned"))
        .order_by("at", "id")
        .values_list("action", "at", "before", "after")
    )


def audit_form_desk_corrections(*, form: AuditForm) -> set[tuple[str, str]]:
    """(service code, field) of the §4 values the body typed itself since the figures were last read
    again with "replace my corrections" (one query): "read the figures again" keeps them."""
    corrected: set[tuple[str, str]] = set()
    for action, _at, _before, after in _body_records(form):
        after = after or {}
        if action == "refreshed" and after.get("corrections_replaced"):
            corrected.clear()
        elif action == "body_updated":
            corrected |= {
                (code, name)
                for code, fields in (after.get("rows") or {}).items()
                for name in fields
                if name in AuditServiceRow.BODY_FIELDS_4
            }
    return corrected


@dataclass
class ChangesSinceReturn:
    """What the body changed after the form was last returned: the value each field had at the
    return, by service code and by §2 item, and the services added since."""

    returned_at: object = None
    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    space: dict[int, dict[str, object]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows or self.space or self.added)


def audit_form_changes_since_return(*, form: AuditForm) -> ChangesSinceReturn:
    """The body's changes since the form was last returned, for the evaluator to check first (one
    query). Empty unless the form was returned and is back with the evaluators. A field changed and
    then changed back is left out: what counts is the value at the return against the value now."""
    if not form.evaluator_editable:
        return ChangesSinceReturn()
    records = list(_body_records(form))
    returns = [n for n, (action, *_rest) in enumerate(records) if action == "returned"]
    if not returns:
        return ChangesSinceReturn()
    result = ChangesSinceReturn(returned_at=records[returns[-1]][1])
    for _action, _at, before, after in records[returns[-1] + 1 :]:
        before, after = before or {}, after or {}
        for code, fields in (before.get("rows") or {}).items():
            for name, value in fields.items():
                result.rows.setdefault(code, {}).setdefault(name, value)
        for item, fields in (before.get("space") or {}).items():
            for name, value in fields.items():
                result.space.setdefault(int(item), {}).setdefault(name, value)
        result.added += after.get("added") or []
    rows = {r.code: r for r in form.rows.all()}
    items = {i.item: i for i in form.space_items.all()}
    result.rows = _still_changed(result.rows, rows)
    result.space = _still_changed(result.space, items)
    return result


def _still_changed(changes: dict, objects: dict) -> dict:
    kept = {}
    for key, fields in changes.items():
        obj = objects.get(key)
        if obj is None:
            continue
        differ = {name: old for name, old in fields.items() if getattr(obj, name, old) != old}
        if differ:
            kept[key] = differ
    return kept
