"""Reads for the home page of each role."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.catalog.selectors import manage_service_list
from apps.core.scoping import scope_queryset
from apps.desk import selectors as desk_selectors
from apps.orgs import roles
from apps.orgs.models import Counter, OrgUnit, Staff


@dataclass
class NextAction:
    title: str
    description: str
    url: str
    count: int | None = None


def home_for_user(user) -> dict:
    """The user's unit, role and the actions their role takes next, with counts in scope."""
    staff = getattr(user, "staff", None)
    role = roles.primary_role(user)
    units = scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
    actions: list[NextAction] = []
    if role in (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR):
        actions.append(
            NextAction(
                _("Register a request"),
                _("Receive an applicant at the counter: documents checklist, scans and the receipt."),
                reverse("desk:intake_start"),
            )
        )
    if role in (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.UNIT_OFFICER, roles.ADMINISTRATOR):
        counts = desk_selectors.dashboard_counts(user=user)
        actions.append(
            NextAction(
                _("Service desk"),
                _("Today's requests, responses to hand over and overdue items."),
                reverse("desk:dashboard"),
                counts["to_deliver"],
            )
        )
        actions.append(
            NextAction(
                _("My inbox"),
                _("Stages of requests waiting in your unit, the earliest due first."),
                reverse("desk:inbox"),
                counts["inbox"],
            )
        )
    if role in (roles.BODY_SUPERVISOR, roles.ADMINISTRATOR):
        actions.append(
            NextAction(
                _("Sub-service catalog"),
                _("The services of your body: table 1 stages, documents, fees, brochures and signs."),
                reverse("catalog:service_list"),
                manage_service_list(user=user).count(),
            )
        )
    if role in (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.UNIT_OFFICER, roles.ADMINISTRATOR):
        actions.append(
            NextAction(
                _("Staff of my units"),
                _("Everyone who serves clients in your unit and below, with post and main duties."),
                reverse("orgs:staff_list"),
                scope_queryset(Staff.objects.filter(active=True), user).count(),
            )
        )
    if role in (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR):
        actions.append(
            NextAction(
                _("Counters"),
                _("The counters of your service desk."),
                reverse("orgs:counter_list"),
                scope_queryset(Counter.objects.filter(active=True), user).count(),
            )
        )
    actions.append(
        NextAction(
            _("Org units"),
            _("The units you can see, from your own down to the inner departments."),
            reverse("orgs:unit_list"),
            units.count(),
        )
    )
    if role in roles.ADMIN_SITE_ROLES:
        actions.append(
            NextAction(
                _("Administration"),
                _("Reference data, users and roles, holidays."),
                reverse("admin:index"),
            )
        )
    return {"staff": staff, "role": role, "role_label": roles.ROLE_LABELS.get(role, ""), "actions": actions}
