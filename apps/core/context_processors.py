from django.conf import settings

from apps.core import pagecache
from apps.orgs import roles


def portal(request) -> dict:
    """What the base template needs on every page: the user's staff record and role. A page built for
    the cache (apps.core.pagecache) gets a placeholder for its CSRF token, filled in per visitor."""
    user = getattr(request, "user", None)
    staff = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
    role = roles.primary_role(user) if staff else None
    context = {
        "portal_staff": staff,
        "portal_role": role,
        # The header's search box and "register a request" link, for those who work the desk.
        "portal_desk_search": bool(staff) and roles.has_role(
            user, roles.DESK_CLERK, roles.UNIT_OFFICER, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR
        ),
        "portal_can_intake": bool(staff) and roles.has_role(
            user, roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR
        ),
        "portal_role_label": roles.ROLE_LABELS.get(role, ""),
        "portal_site_url": settings.SITE_URL,
    }
    if getattr(request, pagecache.BUILDING, False):
        context["csrf_token"] = pagecache.CSRF_PLACEHOLDER
    return context
