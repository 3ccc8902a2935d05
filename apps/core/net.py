"""The client's address, the one way every rate limit and record of the portal reads it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# Stands in for an address that cannot be read (a Unix socket with no proxy header): all such
# requests share one rate-limit bucket rather than escaping the limits.
UNKNOWN = "0.0.0.0"  # noqa: S104 - a placeholder value, not a bind address


def _address(value: str) -> str | None:
    """A normalised IP address from one header entry, or None when it is not one ("1.2.3.4:80" and
    "[::1]:80", which some proxies send, lose the port)."""
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request`.

    Without trusted proxies (TRUSTED_PROXY_HOPS = 0) it is REMOTE_ADDR and X-Forwarded-For is
    ignored: anyone can send that header. Behind N trusted proxies each of them appends the address
    it received the request from, so the client is the N-th entry from the right; everything to the
    left of it was written by the client and is never read. A header that is missing, too short or
    not an address (a request that bypassed the proxies, or garbage) falls back to REMOTE_ADDR.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    # Only the rightmost `hops` entries matter, however long the client made the rest.
    entries = (request.META.get("HTTP_X_FORWARDED_FOR") or "").rsplit(",", hops)
    if len(entries) < hops:
        return remote
    return _address(entries[-hops]) or remote


def outbound_url_problem(url: str) -> str:
    """Why the portal must not call `url` (a webhook receiver, a Open311 `media_url`), or "".

    Only http(s). Unless OUTBOUND_PRIVATE_URLS_ALLOWED (development, tests), every address the host
    name resolves to must be a public one: no loopback, private, link-local (cloud metadata),
    reserved or multicast address — the portal's own network is not reachable through it."""
    import socket
    from urllib.parse import urlsplit

    from django.utils.translation import gettext as _

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid address.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Only http and https addresses are accepted.")
    if parts.username or parts.password:
        return _("The address must not carry a user name or password.")
    if settings.OUTBOUND_PRIVATE_URLS_ALLOWED:
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return _("The host name of this address cannot be resolved.")
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return _("Addresses in loopback, private or reserved networks are not accepted.")
    return ""
