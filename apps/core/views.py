"""Home page per role, health check, login throttling and friendly error pages."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from apps.core import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page of each role: the user's unit and the next things the role can do."""
    return render(request, "core/home.html", selectors.home_for_user(request.user))


def _login_rate(group, request) -> str:
    return settings.LOGIN_RATE


@method_decorator(ratelimit(key="ip", rate=_login_rate, method="POST", block=True), name="post")
@method_decorator(ratelimit(key="post:username", rate=_login_rate, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    """Django's login form, throttled per address and per username against password guessing."""

    redirect_authenticated_user = True


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer: 503 only when the database is down (the node can do nothing).

    The cache and the broker are reported but do not fail the check: while Redis is down the portal
    answers from process memory and leaves notifications for the beat sweep, so pulling every node
    out of the pool because Redis blinked would turn a degraded service into an outage."""
    checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    if checks["database"] != "ok":
        status, code = "error", 503
    elif all(state in ("ok", "eager", "local") for state in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, **checks}, status=code)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "down"


def _check_cache() -> str:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"  # process memory: nothing to be down
    return "ok" if ping() else "down"


def _broker_is_eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def _check_broker() -> str:
    from config.celery import app

    if _broker_is_eager():
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "down"


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/429.html", status=429)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context: the database may be what failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def help_page(request: HttpRequest) -> HttpResponse:
    """In-app help: what each role does and where to find it."""
    return render(request, "core/help.html")
