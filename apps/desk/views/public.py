"""Citizen pages, no login: tracking at /track/ (a printed, SMS-linked URL) and the e-desk.

The tracking code alone shows the status, the stage timeline and the promised date — nothing
personal. Names, the national code and the response PDF need the national code too; a match is
remembered in the session for that request only.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from apps.catalog.models import Channel, SubService
from apps.catalog.selectors import published_q
from apps.core import pagecache
from apps.core.messaging import DeliveryError
from apps.core.pdf import pdf_response
from apps.core.text import localize_digits
from apps.core.validators import normalize_mobile, normalize_national_code
from apps.desk import selectors, services
from apps.desk.forms import IntakeForm
from apps.desk.models import ServiceRequest
from apps.desk.tracking import case_code_is_case, tracking_code_clean, tracking_code_problem
from apps.desk.views.requests import receipt_pdf_bytes, response_pdf_bytes

SESSION_VERIFIED = "track_verified"
# The tracking codes of the same requests: a page kept for a request (the survey form) is answered
# from the cache on the session alone, without reading the request.
SESSION_VERIFIED_CODES = "track_verified_codes"
SESSION_MOBILE = "edesk_mobile"
SESSION_DRAFT = "edesk_draft"
EDESK_SESSION_SECONDS = 30 * 60


def _track_rate(group, request) -> str:
    return settings.TRACK_RATE


def _verify_rate(group, request) -> str:
    return settings.TRACK_VERIFY_RATE


def _code_key(group, request) -> str:
    return tracking_code_clean(request.GET.get("code", "") or request.POST.get("code", ""))


def _verified(request: HttpRequest, sr: ServiceRequest) -> bool:
    return sr.pk in request.session.get(SESSION_VERIFIED, [])


def _remember(request: HttpRequest, sr: ServiceRequest) -> None:
    request.session[SESSION_VERIFIED] = [*request.session.get(SESSION_VERIFIED, [])[-19:], sr.pk]
    request.session[SESSION_VERIFIED_CODES] = [*request.session.get(SESSION_VERIFIED_CODES, [])[-19:], sr.tracking_code]


def verified_code(request: HttpRequest, code: str) -> bool:
    """Whether this session confirmed the national code of the request with this tracking code."""
    return code in request.session.get(SESSION_VERIFIED_CODES, [])


def _lookup(raw: str, *, stages: bool = True) -> tuple[ServiceRequest | None, str]:
    """The request for a typed code (with its timeline unless `stages` is False), or None and the
    message that tells the person what is wrong."""
    code = tracking_code_clean(raw)
    problem = tracking_code_problem(code)
    if problem:
        return None, problem
    sr = selectors.request_by_tracking_code(code, stages=stages)
    if sr is None:
        return None, _("No request has this tracking code.")
    return sr, ""


def _track_versions(request: HttpRequest) -> list[str]:
    # A people's communication case has its own part of the page, and its own version.
    code = tracking_code_clean(request.GET.get("code", ""))
    return [f"case:{code}" if case_code_is_case(code) else f"request:{code}", "public"]


@ratelimit(key="ip", rate=_track_rate, method=["GET", "HEAD", "POST"], block=True)
@ratelimit(key="ip", rate=_verify_rate, method="POST", block=True)
@ratelimit(key=_code_key, rate=_verify_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
@pagecache.public_page(_track_versions, seconds=60)
def track(request: HttpRequest) -> HttpResponse:
    """Tracking of a request or a case: status, timeline, promised date; personal data only after the
    national code."""
    raw = request.POST.get("code") or request.GET.get("code", "")
    context = {"code": tracking_code_clean(raw)[:20], "sr": None, "error": "", "verify_error": ""}
    if raw and case_code_is_case(tracking_code_clean(raw)):
        # A people's communication case: its own part of the page (apps.cases.views.public).
        from apps.cases.views.public import case_track_context

        context.update(case_track_context(request, tracking_code_clean(raw)))
    elif raw:
        sr, error = _lookup(raw)
        context.update(sr=sr, error=error)
        if sr is not None and request.method == "POST":
            try:
                given = normalize_national_code(request.POST.get("national_code", ""))
            except ValidationError:
                given = ""
            if given and constant_time_compare(given, sr.national_code):
                _remember(request, sr)
            else:
                context["verify_error"] = _("The national code does not match this request.")
        if sr is not None:
            context["verified"] = _verified(request, sr)
            context["stages"] = list(sr.stages.all())
            context["has_response"] = sr.status in (ServiceRequest.Status.ANSWERED, ServiceRequest.Status.DELIVERED)
    return render(request, "desk/track.html", context)


def _verified_request(request: HttpRequest, code: str) -> ServiceRequest:
    sr, _error = _lookup(code)
    if sr is None or not _verified(request, sr):
        raise Http404
    return sr


def track_response_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's copy of the response (table 4), after the national code was confirmed."""
    sr = _verified_request(request, code)
    if not hasattr(sr, "response"):
        raise Http404
    return pdf_response(response_pdf_bytes(sr, request=request), f"response-{sr.tracking_code}.pdf", inline=False)


def track_receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    sr = _verified_request(request, code)
    return pdf_response(receipt_pdf_bytes(sr, request=request), f"receipt-{sr.tracking_code}.pdf", inline=False)


# The e-desk's one-time-code session, shared by every public form that confirms a mobile first
# (online cases in apps.cases.views.public, public meetings in apps.cases.views.meetings).


def edesk_confirmed(request: HttpRequest) -> tuple[str, float]:
    """(the mobile confirmed in this session, when), whatever its age; ("", 0) if none."""
    mobile, at = request.session.get(SESSION_MOBILE, ("", 0))
    return mobile, at


def edesk_mobile(request: HttpRequest) -> str:
    """The mobile confirmed in this session within the last EDESK_SESSION_SECONDS, else ""."""
    mobile, at = edesk_confirmed(request)
    if mobile and timezone.now().timestamp() - at < EDESK_SESSION_SECONDS:
        return mobile
    return ""


def _edesk_unit(service: SubService):
    """The desk that receives an online request: the first unit that offers the service."""
    unit = service.units.order_by("path").first()
    if unit is None:
        unit = service.body.units.order_by("path").first()
    return unit


def edesk_owner(request: HttpRequest) -> str:
    # Files kept between two submissions belong to this browser's session and no one else.
    if request.session.session_key is None:
        request.session.save()
    return f"session:{request.session.session_key}"


def edesk_limited(request: HttpRequest, step: str) -> bool:
    """Sends, code checks and submissions are limited apart: a few typos of the code never use up
    the allowance of the form's submission, nor the other way round."""
    from django_ratelimit.core import is_ratelimited

    rate = {"send": settings.EDESK_SEND_RATE, "verify": settings.EDESK_VERIFY_RATE}.get(step, settings.EDESK_SUBMIT_RATE)
    return is_ratelimited(request, group=f"edesk-{step}", key="ip", rate=rate, method=ratelimit.ALL, increment=True)


def _edesk_draft_keep(request: HttpRequest, form: IntakeForm, service: SubService) -> None:
    """What was typed and attached, kept in the session when the confirmation ran out."""
    skipped = {"csrfmiddlewaretoken", "step", "mobile"}
    form.is_valid()
    form.keep_uploads()
    request.session[SESSION_DRAFT] = {
        "service": service.pk,
        "data": {k: v for k, v in form.data.items() if k not in skipped and not k.endswith("_file")},
        "kept_names": form.kept_names,
    }


def _edesk_form(request: HttpRequest, service: SubService, mobile: str, data=None, files=None) -> IntakeForm:
    draft = request.session.get(SESSION_DRAFT) or {}
    initial = {"mobile": mobile}
    if data is None and draft.get("service") == service.pk:
        initial.update(draft.get("data", {}))
    form = IntakeForm(data, files, service=service, online=True, owner=edesk_owner(request), initial=initial)
    if data is None and draft.get("service") == service.pk:
        form.kept_names.update(draft.get("kept_names", {}))
    return form


OTP_CODE_MESSAGES = {
    "wrong": gettext_lazy("The code is wrong. You can try %(left)s more times."),
    "locked": gettext_lazy("The code was typed wrong too many times and is locked. Send a new code."),
    "expired": gettext_lazy("The code has expired. Send a new code."),
    "none": gettext_lazy("No code is waiting for this number. Send a new code."),
}


@require_http_methods(["GET", "HEAD", "POST"])
def mobile_confirm_step(request: HttpRequest, step: str, *, context: dict, mobile_template: str, code_template: str, done):
    """The one-time-code steps of every public form that confirms a mobile first (the e-desk, online
    cases): `?change=1` forgets the mobile, "send" sends a code, "verify" checks it and answers `done()`.
    Returns the page of the step, or None when the request is past these steps."""
    from apps.desk.otp import otp_attempts_left, otp_check, otp_send

    if request.GET.get("change"):
        request.session.pop(SESSION_MOBILE, None)
        return render(request, mobile_template, context)
    if step == "send":
        try:
            mobile = normalize_mobile(request.POST.get("mobile", ""))
            otp_send(mobile=mobile)
        except ValidationError as exc:
            context.update(error=" ".join(exc.messages), mobile=request.POST.get("mobile", "")[:20])
            return render(request, mobile_template, context)
        except DeliveryError:
            context["error"] = _("The code could not be sent just now. Please try again in a few minutes.")
            return render(request, mobile_template, context)
        context["mobile"] = mobile
        return render(request, code_template, context)
    if step == "verify":
        mobile = request.POST.get("mobile", "")[:20]
        status = otp_check(mobile=mobile, code=request.POST.get("otp", ""))
        if status == "ok":
            request.session[SESSION_MOBILE] = (normalize_mobile(mobile), timezone.now().timestamp())
            return done()
        left = localize_digits(otp_attempts_left(mobile=mobile)) if status == "wrong" else ""
        context.update(mobile=mobile, error=OTP_CODE_MESSAGES[status] % {"left": left}, locked=status != "wrong")
        return render(request, code_template, context)
    return None


@pagecache.public_page(["public"], seconds=300)
def edesk_apply(request: HttpRequest, service_id: int) -> HttpResponse:
    """Online submission on the e-desk: confirm the mobile by a one-time code, then the intake form.
    Nothing typed or attached is lost when the confirmation runs out: it is kept and offered again
    after a new code. In-person services say so on a page of their own."""
    service = SubService.objects.select_related("body").filter(published_q(), pk=service_id).first()
    if service is None:
        raise Http404
    if (
        service.channel not in (Channel.ELECTRONIC, Channel.HYBRID)
        or not service.stages.exists()
        or _edesk_unit(service) is None
    ):
        return render(request, "desk/edesk_unavailable.html", {"service": service})
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and edesk_limited(request, step):
        return render(request, "errors/429.html", status=429)
    context = {"service": service, "error": "", "notice": "", "mobile": ""}
    page = mobile_confirm_step(
        request, step, context=context, mobile_template="desk/edesk_mobile.html",
        code_template="desk/edesk_code.html", done=lambda: redirect("edesk_apply", service_id=service.pk),
    )
    if page is not None:
        return page

    mobile = edesk_mobile(request)
    if step == "submit" and not mobile:
        # The confirmation ran out while the form was being filled: keep all of it, say so, ask again.
        _edesk_draft_keep(request, _edesk_form(request, service, "", request.POST.copy(), request.FILES), service)
        context.update(
            mobile=edesk_confirmed(request)[0],
            notice=_("Your mobile confirmation ran out after 30 minutes, so the request was not sent yet. "
                     "What you typed and the files you attached are kept: confirm your mobile again and send it."),
        )
        return render(request, "desk/edesk_mobile.html", context)
    if not mobile:
        return render(request, "desk/edesk_mobile.html", context)

    data = None
    if step == "submit":
        data = request.POST.copy()
        data["mobile"] = mobile  # the confirmed number, whatever the form says
    form = _edesk_form(request, service, mobile, data, request.FILES if data is not None else None)
    if data is not None:
        if form.is_valid():
            cleaned = form.cleaned_data
            documents = form.documents()
            missing = [d.title for d in documents if not d.received]
            try:
                sr = services.service_request_register(
                    service=service, unit=_edesk_unit(service), channel=ServiceRequest.Channel.ONLINE,
                    applicant=services.Applicant(
                        national_code=cleaned["national_code"], full_name=cleaned["full_name"], mobile=mobile,
                        email=cleaned.get("email", ""), legal_id=cleaned.get("legal_id", ""),
                        legal_name=cleaned.get("legal_name", ""),
                    ),
                    documents=documents,
                    incomplete_reason=_("Not attached online; the applicant brings them to the desk: %(docs)s")
                    % {"docs": "، ".join(missing)} if missing else "",
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _remember(request, sr)
                request.session.pop(SESSION_MOBILE, None)
                request.session.pop(SESSION_DRAFT, None)
                messages.success(
                    request,
                    _("Your request was registered. Keep the tracking code; it was also sent to your mobile by SMS."),
                )
                return redirect(f"/track/?code={sr.tracking_code}")
        form.keep_uploads()
    confirmed_at = edesk_confirmed(request)[1]
    context.update(
        form=form, mobile=mobile,
        confirmed_until=dt.datetime.fromtimestamp(confirmed_at + EDESK_SESSION_SECONDS, tz=dt.UTC),
    )
    return render(request, "desk/edesk_form.html", context)


urlpatterns = [
    path("", track, name="track"),
    path("<str:code>/response.pdf", track_response_pdf, name="track_response_pdf"),
    path("<str:code>/receipt.pdf", track_receipt_pdf, name="track_receipt_pdf"),
]
edesk_urlpatterns = [path("<int:service_id>/", edesk_apply, name="edesk_apply")]
