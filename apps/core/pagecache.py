"""Rendered public pages kept in the cache for visitors who carry no session.

The pages a nation opens from an SMS or a printed card — /track/?code=…, /q/<token>, /services/, a
service's page, the e-desk's first step — are asked for by people who never logged in, and most of
them arrive without a session. Rendering such a page costs queries and a template; answering it from
the cache costs one round trip. A page is kept under its host, scheme, language and full path, with
the *versions* of what it shows ("request:<code>", "qr:<token>", "public" for the catalog and the
organisation); a change bumps the version (signals in apps.core.signals, on the write and again after
the commit), so the next visit renders it afresh. The time a page may be kept bounds what no signal
sees (a promised date passing, bulk updates).

What stays per visitor: the rate limits (the decorators outside this one), the CSRF token of the
page's forms (rendered as a placeholder, filled in on the way out with the visitor's own token),
cookies a view sets, and every page of a visitor with a session (a logged-in user, a citizen who
confirmed a national code or a mobile), who is always served by the view itself. While Redis is down
the cache is process memory (apps.core.cache), so a change may show on another web process only when
the page's time runs out.
"""

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

# What {% csrf_token %} renders while a page is built for the cache (apps.core.context_processors).
CSRF_PLACEHOLDER = "portal-page-csrf-placeholder"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
BUILDING = "portal_page_build"
# A version lives longer than any page that depends on it; when it expires the pages are rebuilt.
VERSION_SECONDS = 24 * 3600
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Expires")


@dataclass(frozen=True)
class Page:
    content: bytes
    headers: tuple[tuple[str, str], ...]


def cacheable(request: HttpRequest) -> bool:
    """A visit the cache may answer: a GET or HEAD of someone without a session or queued messages."""
    return _plain(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES


def cacheable_with_session(request: HttpRequest) -> bool:
    """A visit with a session that a page the same for everyone it lets in may still answer (the
    survey form of a citizen who confirmed the national code): no message queued in the session
    either, and not a logged-in user, whose header names them."""
    return _plain(request) and "_messages" not in request.session and not request.user.is_authenticated


def _plain(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and "messages" not in request.COOKIES


def bump(*names: str) -> None:
    """Make every kept page that shows one of `names` stale: now, and again after the commit (another
    process may render between this write and the commit and keep the old rows under the new version)."""

    def new_versions() -> None:
        cache.set_many({_version_key(name): secrets.token_hex(6) for name in names}, VERSION_SECONDS)

    new_versions()
    transaction.on_commit(new_versions)


def public_page(versions: Iterable[str] | Callable[..., Iterable[str] | None], *, seconds: int):
    """Decorate a public view: for a cacheable visit, its page from the cache while the versions named
    — `versions`, or what `versions(request, *args, **kwargs)` gives (None: never from the cache) — are
    unchanged, for at most `seconds`. Only a 200 page that sets no cookie, session value or message is
    kept."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            names = None
            if cacheable(request):
                names = versions(request, *args, **kwargs) if callable(versions) else versions
            if not names:
                return view(request, *args, **kwargs)
            return cached_page(request, names, seconds=seconds, build=lambda: view(request, *args, **kwargs))

        return wrapper

    return decorator


def cached_page(
    request: HttpRequest, names: Iterable[str], *, seconds: int, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """The page of a cacheable visit: from the cache while the versions `names` are unchanged, else
    `build()` (the page with the CSRF placeholder in its forms), kept if it may be."""
    key = _page_key(request)
    page, current = _lookup(key, tuple(names))
    if page is not None:
        return respond(request, page)
    setattr(request, BUILDING, True)
    try:
        response = build()
    finally:
        setattr(request, BUILDING, False)
    page = _keep(request, key, response, current, seconds)
    return _filled(request, response) if page is None else respond(request, page)


def respond(request: HttpRequest, page: Page) -> HttpResponse:
    response = HttpResponse(_fill(request, page.content))
    for name, value in page.headers:
        response[name] = value
    patch_vary_headers(response, ("Cookie",))
    return response


def _fill(request: HttpRequest, content: bytes) -> bytes:
    if _PLACEHOLDER_BYTES in content:
        return content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    return content


def _filled(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not response.streaming:
        response.content = _fill(request, response.content)
    return response


def _page_key(request: HttpRequest) -> str:
    raw = "|".join((request.get_host(), request.scheme, get_language() or "", request.get_full_path()))
    return "page:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def _version_key(name: str) -> str:
    return "pv:" + name


def kept(key: str, names: Iterable[str], build: Callable[[], object], *, seconds: int):
    """A value that is the same for every visitor (a questionnaire's blank questions, the version on
    offer), kept under `key` while the versions `names` are unchanged; one round trip when kept."""
    key, names = "kept:" + key, tuple(names)
    value, current = _lookup(key, names, kind=object)
    if value is None:
        value = build()
        cache.set(key, (current, value), seconds)
    return value


def _lookup(key: str, names: tuple[str, ...], *, kind=None) -> tuple:
    """The kept value if it was built on the current versions, and the current versions (one round
    trip; a version that is missing is created, so a value kept before it expired is never current)."""
    found = cache.get_many([key, *map(_version_key, names)])
    current = []
    for name in names:
        value = found.get(_version_key(name))
        if value is None:
            value = secrets.token_hex(6)
            if not cache.add(_version_key(name), value, VERSION_SECONDS):
                value = cache.get(_version_key(name)) or value
        current.append(value)
    kept = found.get(key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == tuple(current) and isinstance(kept[1], kind or Page):
        return kept[1], tuple(current)
    return None, tuple(current)


def _keep(
    request: HttpRequest, key: str, response: HttpResponse, versions: tuple[str, ...], seconds: int
) -> Page | None:
    messages = getattr(request, "_messages", None)
    session = getattr(request, "session", None)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or (messages is not None and getattr(messages, "_queued_messages", None))
        or (session is not None and session.modified)
    ):
        return None
    headers = tuple((name, response[name]) for name in _KEPT_HEADERS if response.has_header(name))
    page = Page(content=response.content, headers=headers)
    cache.set(key, (versions, page), seconds)
    return page
