"""Home page per role, health check, login with its throttle and second step, friendly error pages."""

import base64
import logging
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_ratelimit.decorators import ratelimit

from apps.api.errors import api_error_outside_view
from apps.core import selectors, twofactor
from apps.core.net import client_ip
from apps.core.qr import qr_data_uri
from apps.core.services import change_record
from apps.core.storage import storage_check

security_log = logging.getLogger("apps.security")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: for staff, their unit and the next things their role can do; for everyone
    else, the citizens' front door (find a service, track a request, rate staff, where the desks are)."""
    if request.user.is_authenticated:
        return render(request, "core/home.html", selectors.home_for_user(request.user))
    return public_home(request)


def public_home(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from apps.orgs.models import Province

    province = request.GET.get("province", "")
    province_id = int(province) if province.isascii() and province.isdigit() else None
    desks = Paginator(selectors.public_desks(province_id=province_id), 20).get_page(request.GET.get("page"))
    return render(request, "core/public_home.html", {
        "desks": desks, "page": desks, "provinces": Province.objects.order_by("name_fa"), "province_id": province_id,
        "office_hours": f"{settings.WORKDAY_START}–{settings.WORKDAY_END}",
    })


def _login_rate(group, request) -> str:
    return settings.LOGIN_RATE


def _username_key(group, request) -> str:
    # The same person typed differently is the same account to guess.
    return (request.POST.get("username") or "").strip().lower()[:150]


@method_decorator(ratelimit(key="ip", rate=_login_rate, method="POST", block=True), name="post")
@method_decorator(ratelimit(key=_username_key, rate=_login_rate, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    """The one login form (the admin site sends its users here too), throttled per address and per
    username against password guessing. A second factor, when needed, follows (TwoFactorMiddleware)."""

    redirect_authenticated_user = True


def _user_key(group, request) -> str:
    return str(request.user.pk)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target[:500]
    return reverse("core:home")


@login_required
@ratelimit(key="ip", rate=_login_rate, method="POST", block=True)
@ratelimit(key=_user_key, rate=_login_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def twofactor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the authenticator app, or a recovery code."""
    if not twofactor.two_factor_enabled(request.user) and not twofactor.recovery_codes_left(request.user):
        return redirect(f"{reverse('twofactor_setup')}?next={_safe_next(request)}")
    error = ""
    if request.method == "POST":
        device = twofactor.device_for_token(request.user, request.POST.get("token", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        error = _("The code is not right. Type the six digits your authenticator app shows now, or a recovery code.")
    return render(request, "registration/twofactor_verify.html", {"error": error, "next": _safe_next(request)})


@login_required
@ratelimit(key=_user_key, rate=_login_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def twofactor_setup(request: HttpRequest) -> HttpResponse:
    """Turn on the authenticator: scan the code (or type the key), confirm with one code, keep the
    recovery codes. A user who already has one must be verified to replace it."""
    if twofactor.two_factor_enabled(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('twofactor_verify')}?next={_safe_next(request)}")
    device = twofactor.totp_device_pending(request.user)
    error = ""
    if request.method == "POST":
        codes = twofactor.totp_confirm(user=request.user, device=device, token=request.POST.get("token", ""))
        if codes is not None:
            otp_login(request, device)
            request.session[twofactor.NO_DEVICE] = False
            return render(request, "registration/twofactor_codes.html", {"codes": codes, "next": _safe_next(request)})
        error = _("The code is not right. Check the time on your phone and type the six digits shown now.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/twofactor_setup.html", {
        "qr": qr_data_uri(device.config_url), "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "error": error, "next": _safe_next(request), "required": twofactor.two_factor_required_by_role(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def twofactor_manage(request: HttpRequest) -> HttpResponse:
    """The user's own two-factor page: status, new recovery codes, turning it off where allowed."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "codes" and user.is_verified():
        return render(request, "registration/twofactor_codes.html",
                      {"codes": twofactor.recovery_codes_new(user=user), "next": reverse("twofactor_manage")})
    if request.method == "POST" and request.POST.get("action") == "disable" and user.is_verified():
        if twofactor.two_factor_required_by_role(user):
            messages.error(request, _("Your role must use two-step login; it cannot be turned off."))
        else:
            twofactor.two_factor_reset(user=user, by=user)
            request.session[twofactor.NO_DEVICE] = True
            messages.success(request, _("Two-step login is off."))
        return redirect("twofactor_manage")
    return render(request, "registration/twofactor_manage.html", {
        "enabled": twofactor.two_factor_enabled(user),
        "required": twofactor.two_factor_required_by_role(user),
        "codes_left": twofactor.recovery_codes_left(user),
    })


FAVICON_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" '
    b'fill="#0b5a73"/><path d="M16 5l11 11-11 11L5 16z" fill="#ffd58a"/></svg>'
)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico for what asks for it without reading the page (bookmarks, feed readers, old
    browsers): the brand's diamond of templates/core/_favicon.html, never a 404 page."""
    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=604800"
    return response


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer: 503 only when the database is down (the node can do nothing).

    The cache, the broker and the file storage are reported but do not fail the check: while Redis is down the portal
    answers from process memory and leaves notifications for the beat sweep, so pulling every node
    out of the pool because Redis blinked would turn a degraded service into an outage."""
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "broker": _check_broker(),
        "storage": storage_check(),
    }
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
        # One try, no pause before it: a load balancer's probe must not wait out kombu's 2-second
        # retry interval while the broker refuses connections.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        return "ok"
    except Exception:
        return "down"


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """429 for every rate limit; a locked login is logged (and kept on the account's change log once
    per lock), so an administrator sees who is being guessed at and from where."""
    if request.method == "POST" and request.path in (reverse("login"), reverse("twofactor_verify")):
        username = (request.POST.get("username") or getattr(request.user, "username", "") or "")[:150]
        address = client_ip(request)
        security_log.warning("Login locked: user %r from %s at %s", username, address, request.path)
        if username and cache.add(f"lockout-logged:{username.lower()}", 1, timeout=300):
            from django.contrib.auth import get_user_model

            account = get_user_model().objects.filter(username__iexact=username).first()
            if account is not None:
                change_record(target=account, action="login_locked", note=f"{address} {request.path}")
    return render(request, "errors/429.html", status=429)


_BAD_REQUEST = {
    "too_long": gettext_lazy("What was sent is longer than any field of this page takes, so nothing of it was kept. "
                      "Shorten the text (a note or reason fits in a few paragraphs) and try again."),
    "characters": gettext_lazy("What was sent contains invalid characters (bytes that are not text), so nothing of it "
                        "was kept. Type the text again instead of pasting it, and try again."),
    "other": gettext_lazy("The request could not be understood. Go back and try again."),
}


def bad_request(request: HttpRequest, exception: Exception | None = None, *, reason: str = "") -> HttpResponse:
    """400: what was sent cannot be taken; says why, echoes none of it."""
    if not reason:
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

        reason = "too_long" if isinstance(exception, RequestDataTooBig | TooManyFieldsSent) else "other"
    message = _BAD_REQUEST.get(reason, _BAD_REQUEST["other"])
    # API clients parse every answer: their API's error shape, never a page.
    answer = api_error_outside_view(request, 400, message)
    if answer is not None:
        return answer
    return HttpResponse(
        loader.get_template("errors/400.html").render({"message": message}, request), status=400
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    answer = api_error_outside_view(request, 403, _("You do not have permission to do this."))
    if answer is not None:
        return answer
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A visitor without a CSRF cookie gets a 404 that mints none: it may be answering a request the
    # browser made beside a page (an icon, a mistyped asset), and its cookie would replace the one
    # that page's form was signed with. The language switch, a form, is left out for them.
    answer = api_error_outside_view(request, 404, _("Not found."))
    if answer is not None:
        return answer
    first_visit = settings.CSRF_COOKIE_NAME not in request.COOKIES
    return render(request, "errors/404.html", {"no_forms": first_visit}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context: the database may be what failed.
    answer = api_error_outside_view(request, 500, "Server error.")
    if answer is not None:
        return answer
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def help_page(request: HttpRequest) -> HttpResponse:
    """In-app help: what each role does and where to find it."""
    return render(request, "core/help.html")


# --- files made in the background (apps.core.filejobs) ----------------------------------------------


def _my_file_job(request: HttpRequest, pk: int):
    from apps.core.models import FileJob

    # Only the one who asked: the file was made from what their scope let them read.
    return get_object_or_404(FileJob, pk=pk, requested_by=request.user)


@login_required
@require_safe
def file_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A file being made: its progress (the page reloads itself every 2 s, no script), then the link."""
    job = _my_file_job(request, pk)
    response = render(request, "core/file_job.html", {"job": job, "refresh": not job.is_finished})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def file_job_file(request: HttpRequest, pk: int) -> FileResponse:
    """The finished file, as the type its bytes show, always as a download."""
    from apps.core.models import FileJob
    from apps.core.uploads import PDF_AND_SPREADSHEETS, private_file_response

    job = _my_file_job(request, pk)
    if job.state != FileJob.State.DONE or not job.file:
        raise Http404
    return private_file_response(job.file, allowed=PDF_AND_SPREADSHEETS, filename=PurePath(job.filename).stem)
