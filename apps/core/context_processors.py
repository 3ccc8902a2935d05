from django.conf import settings

from apps.orgs import roles


def portal(request) -> dict:
    """What the base template needs on every page: the user's staff record and role."""
    user = getattr(request, "user", None)
    staff = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
    role = roles.primary_role(user) if staff else None
    return {
        "portal_staff": staff,
        "portal_role": role,
        "portal_role_label": roles.ROLE_LABELS.get(role, ""),
        "portal_site_url": settings.SITE_URL,
    }
