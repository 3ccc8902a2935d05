"""The portal's roles (SPEC §1) as Django groups with their model permissions.

A user's role is the group they are in. Citizens have no login. Superusers are administrators.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

DESK_CLERK = "desk_clerk"
UNIT_OFFICER = "unit_officer"
BODY_SUPERVISOR = "body_supervisor"
PROVINCIAL_AUDITOR = "provincial_auditor"
NATIONAL_AUDITOR = "national_auditor"
ADMINISTRATOR = "administrator"
# People's communication cases (SPEC §8). A desk clerk may hold PEOPLE_CLERK too.
PEOPLE_CLERK = "people_clerk"
COMPLAINT_HANDLER = "complaint_handler"
CENTRE_REVIEWER = "centre_reviewer"
IDEAS_MEMBER = "ideas_member"

ROLE_LABELS = {
    DESK_CLERK: _("Desk clerk"),
    UNIT_OFFICER: _("Unit officer"),
    BODY_SUPERVISOR: _("Desk supervisor"),
    PROVINCIAL_AUDITOR: _("Provincial auditor"),
    NATIONAL_AUDITOR: _("National auditor"),
    ADMINISTRATOR: _("Administrator"),
    PEOPLE_CLERK: _("People's communication clerk"),
    COMPLAINT_HANDLER: _("Governor's office complaint handler"),
    CENTRE_REVIEWER: _("Centre reviewer"),
    IDEAS_MEMBER: _("Ideas working group member"),
}

# Roles that see every province and body.
NATIONAL_ROLES = frozenset({NATIONAL_AUDITOR, ADMINISTRATOR})
# Cases: the centre's reviewers see every case; the ideas working group every idea (their selectors
# pass these to apps.core.scoping.scope_queryset).
CASE_NATIONAL_ROLES = NATIONAL_ROLES | {CENTRE_REVIEWER}
IDEA_NATIONAL_ROLES = CASE_NATIONAL_ROLES | {IDEAS_MEMBER}
# Roles that work cases in the portal (registering, handling, reviewing).
CASE_ROLES = frozenset({PEOPLE_CLERK, COMPLAINT_HANDLER, CENTRE_REVIEWER, IDEAS_MEMBER, BODY_SUPERVISOR, ADMINISTRATOR})

# The catalog: a supervisor keeps their bodies' services up to date; every other role reads them
# (scoped). Rows of a service are removed through its page, so no role needs delete in the admin.
_CATALOG_MODELS = (
    "subservice", "workflowstage", "requireddocument", "inquiry", "fee", "lawreference", "faq", "serviceform",
)
CATALOG_VIEW = {f"catalog.view_{m}" for m in _CATALOG_MODELS}
CATALOG_EDIT = CATALOG_VIEW | {f"catalog.{a}_{m}" for a in ("add", "change") for m in _CATALOG_MODELS}

# Requests change only through the workflow pages; in the admin every working role may look them up.
DESK_VIEW = {f"desk.view_{m}" for m in ("servicerequest", "requeststage", "response", "queueticket")}

# Stored periodic reports: read (scoped) by the body's representative and the auditors.
REPORTS_VIEW = {"reports.view_report"}

# "app_label.codename" of the model permissions each role holds. Capabilities add their models.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    DESK_CLERK: {"orgs.view_staff", "orgs.view_counter", "orgs.view_orgunit", *CATALOG_VIEW, *DESK_VIEW},
    UNIT_OFFICER: {"orgs.view_staff", "orgs.view_orgunit", *CATALOG_VIEW, *DESK_VIEW},
    BODY_SUPERVISOR: {
        "orgs.view_orgunit",
        "orgs.view_staff", "orgs.add_staff", "orgs.change_staff",
        "orgs.view_counter", "orgs.add_counter", "orgs.change_counter",
        *CATALOG_EDIT,
        *DESK_VIEW,
        *REPORTS_VIEW,
    },
    PROVINCIAL_AUDITOR: {
        "orgs.view_orgunit", "orgs.view_staff", "orgs.view_counter", "orgs.view_body", *CATALOG_VIEW, *DESK_VIEW,
        *REPORTS_VIEW,
    },
    NATIONAL_AUDITOR: {
        "orgs.view_orgunit", "orgs.view_staff", "orgs.view_counter", "orgs.view_body", *CATALOG_VIEW, *DESK_VIEW,
        *REPORTS_VIEW,
    },
    ADMINISTRATOR: set(),  # administrators are superusers
    # Cases change only through their pages; these roles read the catalog and org tree they refer to.
    PEOPLE_CLERK: {"orgs.view_orgunit", "orgs.view_staff", *CATALOG_VIEW},
    COMPLAINT_HANDLER: {"orgs.view_orgunit", "orgs.view_staff", *CATALOG_VIEW},
    CENTRE_REVIEWER: {"orgs.view_orgunit", "orgs.view_staff", "orgs.view_body", *CATALOG_VIEW},
    IDEAS_MEMBER: {"orgs.view_body", *CATALOG_VIEW},
}

# Roles that may open the Django admin: they see only what their permissions allow, scoped like
# the portal (a clerk looks staff and counters up there; a supervisor edits them).
ADMIN_SITE_ROLES = frozenset({DESK_CLERK, BODY_SUPERVISOR, ADMINISTRATOR})


def role_groups_sync() -> None:
    """Create the role groups and set exactly their permissions; safe to run on every migrate."""
    wanted_by_role = {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    all_codes = {code for perms in wanted_by_role.values() for code in perms}
    by_code = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={c.split(".", 1)[1] for c in all_codes}
        )
    }
    for role, codes in wanted_by_role.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_code[c] for c in codes if c in by_code])


def user_roles(user) -> set[str]:
    """The role names of a user (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ROLE_LABELS)
        if user.is_superuser:
            cached.add(ADMINISTRATOR)
        user._portal_roles = cached
    return cached


def role_label(name: str) -> str:
    """The Persian name of a role group (its code if it is not one of the portal's roles)."""
    return str(ROLE_LABELS.get(name, name))


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_national(user, national_roles=NATIONAL_ROLES) -> bool:
    return bool(user_roles(user) & national_roles)


def primary_role(user) -> str | None:
    """The role a home page is built for when a user holds several, broadest first."""
    roles = user_roles(user)
    for role in (
        ADMINISTRATOR, NATIONAL_AUDITOR, PROVINCIAL_AUDITOR, BODY_SUPERVISOR, CENTRE_REVIEWER, IDEAS_MEMBER,
        COMPLAINT_HANDLER, DESK_CLERK, PEOPLE_CLERK, UNIT_OFFICER,
    ):
        if role in roles:
            return role
    return None
