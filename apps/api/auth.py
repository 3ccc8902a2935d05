"""Who calls the API, and what they may do.

An API key authenticates as an `ApiClient`: not a user of the portal, but it passes through the
same scoping function (apps.core.scoping.scope_queryset) as every person does, bound to the key's
unit, body or the country. Scopes are checked per view (`HasScope`); throttles count per key and
per address on the cache.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from apps.api.keys import api_key_find
from apps.api.models import ApiKey
from apps.core.net import client_ip

HEADER_PREFIX = "api-key"


class ApiClient:
    """The principal of a call made with an API key."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    # No roles of the portal: the key's binding and scopes are all it has (apps.orgs.roles reads this).
    _portal_roles = frozenset()

    def __init__(self, key: ApiKey):
        self.api_key = key
        self.pk = None

    def __str__(self) -> str:
        return str(self.api_key)

    @property
    def staff(self):
        return self.api_key.staff

    @property
    def user(self):
        """The acting officer's user (who the history names), or None."""
        staff = self.api_key.staff
        return staff.user if staff is not None else None

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def get_username(self) -> str:
        return f"api:{self.api_key.prefix}"


def raw_key(request) -> str:
    """The key a call carries: `Authorization: Api-Key …`, `X-Api-Key: …`, or (Open311's own way)
    an `api_key` form field of a POST."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[: len(HEADER_PREFIX) + 1].lower() == f"{HEADER_PREFIX} ":
        return header[len(HEADER_PREFIX) + 1 :].strip()
    if request.META.get("HTTP_X_API_KEY"):
        return request.META["HTTP_X_API_KEY"].strip()
    if request.method == "POST":
        return str(request.POST.get("api_key", "")) if hasattr(request, "POST") else ""
    return ""


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>` (or `X-Api-Key`). A key that is wrong, revoked or inactive is 401."""

    def authenticate(self, request):
        raw = raw_key(request._request)
        if not raw:
            return None
        key = api_key_find(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid or has been revoked."))
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return 'Api-Key realm="api"'


def api_client(request) -> ApiClient | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, ApiClient) else None


class HasScope(permissions.BasePermission):
    """The view names the scope of each action in `required_scopes` ({action or method: scope});
    a key without it is refused with 403, no key at all with 401."""

    message = _("This API key does not have the scope this call needs.")

    def has_permission(self, request, view) -> bool:
        client = api_client(request)
        if client is None:
            raise exceptions.NotAuthenticated(_("Give an API key: Authorization: Api-Key <key>."))
        scopes = getattr(view, "required_scopes", {}) or {}
        action = getattr(view, "action", None)
        needed = scopes.get(action) or scopes.get(request.method) or scopes.get("*")
        return bool(needed) and client.api_key.has_scope(needed)


class _Throttle(throttling.SimpleRateThrottle):
    """A DRF throttle on the portal's cache (Redis, or process memory while Redis is down) whose rate
    is read from the settings on each call, and that RATELIMIT_ENABLE=0 turns off like every limit."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        if not settings.RATELIMIT_ENABLE:
            return True
        return super().allow_request(request, view)


class ApiKeyThrottle(_Throttle):
    """Calls per key (API_KEY_RATE)."""

    scope = "api_key"
    rate_setting = "API_KEY_RATE"

    def get_cache_key(self, request, view):
        client = api_client(request)
        if client is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.api_key.prefix}


class ApiAddressThrottle(_Throttle):
    """Calls per client address (API_ADDRESS_RATE), with or without a key."""

    scope = "api_address"
    rate_setting = "API_ADDRESS_RATE"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request._request)}
