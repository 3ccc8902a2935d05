"""Access helpers for portal views: the role check and the scoped 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from apps.orgs import roles


def role_required(*allowed: str):
    """Logged in (else the login page) and holding one of `allowed` roles (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not roles.has_role(request.user, *allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_or_404(getter, **kwargs):
    """Call a scoped selector's getter; a row outside the user's scope is simply not found."""
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
