"""Scoped reads of audit forms: every list and page a user sees comes through here.

Supervisors see the forms of their unit and below, provincial auditors those of their province
(provincial units only: HQ units have no province), national roles everything — the one rule of
apps.core.scoping. A form outside the scope is not in the queryset, so its page answers 404.
"""

import datetime as dt

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from apps.audits.models import AuditForm, AuditFormVersion, AuditRound
from apps.catalog.models import Channel
from apps.core.scoping import scope_queryset
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
