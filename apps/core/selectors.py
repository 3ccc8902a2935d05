"""Reads for the home page of each role."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import scope_queryset
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
