"""Citizen pages, no login: tracking at /track/ (a printed, SMS-linked URL) and the e-desk.

The tracking code alone shows the status, the stage timeline and the promised date — nothing
personal. Names, the national code and the response PDF need the national code too; a match is
remembered in the session for that request only.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from apps.catalog.models import Channel, SubService
from apps.core.messaging import DeliveryError
from apps.core.pdf import pdf_response
from apps.core.text import normalize_digits
from apps.core.validators import normalize_mobile, normalize_national_code
from apps.desk import selectors, services
from apps.desk.forms import IntakeForm
from apps.desk.models import ServiceRequest
from apps.desk.tracking import tracking_code_clean, tracking_code_problem
from apps.desk.views.requests import receipt_pdf_bytes, response_pdf_bytes

SESSION_VERIFIED = "track_verified"
SESSION_MOBILE = "edesk_mobile"
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


def _lookup(raw: str) -> tuple[ServiceRequest | None, str]:
    """The request for a typed code, or None and the message that tells the person what is wrong."""
    code = tracking_code_clean(raw)
    problem = tracking_code_problem(code)
    if problem:
        return None, problem
    sr = selectors.request_by_tracking_code(code)
    if sr is None:
        return None, _("No request has this tracking code.")
    return sr, ""


@ratelimit(key="ip", rate=_track_rate, method=["GET", "HEAD", "POST"], block=True)
@ratelimit(key="ip", rate=_verify_rate, method="POST", block=True)
@ratelimit(key=_code_key, rate=_verify_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Tracking: status, timeline, promised date; personal data only after the national code."""
    raw = request.POST.get("code") or request.GET.get("code", "")
    context = {"code": tracking_code_clean(raw)[:20], "sr": None, "error": "", "verify_error": ""}
    if raw:
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


def _edesk_mobile(request: HttpRequest) -> str:
    mobile, at = request.session.get(SESSION_MOBILE, ("", 0))
    if mobile and timezone.now().timestamp() - at < EDESK_SESSION_SECONDS:
        return mobile
    return ""


def _edesk_unit(service: SubService):
    """The desk that receives an online request: the first unit that offers the service."""
    unit = service.units.order_by("path").first()
    if unit is None:
        unit = service.body.units.order_by("path").first()
    return unit


@ratelimit(key="ip", rate=_verify_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def edesk_apply(request: HttpRequest, service_id: int) -> HttpResponse:
    """Online submission on the e-desk: confirm the mobile by a one-time code, then the intake form."""
    from apps.desk.otp import otp_send, otp_verify

    try:
        service = SubService.objects.select_related("body").get(
            pk=service_id, active=True, channel__in=[Channel.ELECTRONIC, Channel.HYBRID]
        )
    except SubService.DoesNotExist as exc:
        raise Http404 from exc
    if not service.stages.exists() or _edesk_unit(service) is None:
        raise Http404
    step = request.POST.get("step", "")
    context = {"service": service, "error": "", "mobile": ""}
    if step == "send":
        try:
            mobile = normalize_mobile(request.POST.get("mobile", ""))
            otp_send(mobile=mobile)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        except DeliveryError:
            context["error"] = _("The code could not be sent just now. Please try again in a few minutes.")
        else:
            context["mobile"] = mobile
            return render(request, "desk/edesk_code.html", context)
    elif step == "verify":
        mobile = request.POST.get("mobile", "")
        if otp_verify(mobile=mobile, code=normalize_digits(request.POST.get("otp", ""))):
            request.session[SESSION_MOBILE] = (mobile, timezone.now().timestamp())
            return redirect("edesk_apply", service_id=service.pk)
        context.update(mobile=mobile, error=_("The code is wrong or has expired."))
        return render(request, "desk/edesk_code.html", context)

    mobile = _edesk_mobile(request)
    if not mobile:
        return render(request, "desk/edesk_mobile.html", context)
    data = request.POST.copy() if step == "submit" else None
    if data is not None:
        data["mobile"] = mobile  # the confirmed number, whatever the form says
    form = IntakeForm(data, request.FILES or None, service=service, online=True, initial={"mobile": mobile})
    if step == "submit" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            sr = services.service_request_register(
                service=service, unit=_edesk_unit(service), channel=ServiceRequest.Channel.ONLINE,
                applicant=services.Applicant(
                    national_code=cleaned["national_code"], full_name=cleaned["full_name"], mobile=mobile,
                    email=cleaned.get("email", ""), legal_id=cleaned.get("legal_id", ""),
                ),
                documents=[
                    services.IntakeDocument(
                        required_id=doc.pk, title=doc.title, received=bool(cleaned.get(received)),
                        file=cleaned.get(upload), content_type=getattr(cleaned.get(upload), "content_type", ""),
                    )
                    for doc, received, upload in form.document_rows
                ],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _remember(request, sr)
            request.session.pop(SESSION_MOBILE, None)
            messages.success(
                request,
                _("Your request was registered. Keep the tracking code; it was also sent to your mobile by SMS."),
            )
            return redirect(f"/track/?code={sr.tracking_code}")
    context.update(form=form, mobile=mobile)
    return render(request, "desk/edesk_form.html", context)


urlpatterns = [
    path("", track, name="track"),
    path("<str:code>/response.pdf", track_response_pdf, name="track_response_pdf"),
    path("<str:code>/receipt.pdf", track_receipt_pdf, name="track_receipt_pdf"),
]
edesk_urlpatterns = [path("<int:service_id>/", edesk_apply, name="edesk_apply")]
