"""Staff pages of service-desk requests: intake, receipt, request page, inbox, stage actions,
response, delivery and dashboards. Views parse input and call apps.desk.services / selectors."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.catalog.selectors import manage_service_list, published_q
from apps.core.access import get_or_404, role_required
from apps.core.paging import CappedPaginator
from apps.core.pdf import pdf_response, render_pdf
from apps.core.scoping import scope_queryset
from apps.core.text import search_query
from apps.core.uploads import private_file_response
from apps.desk import selectors, services
from apps.desk.forms import (
    CorrectionForm,
    DeliveryForm,
    DocumentAddForm,
    IntakeForm,
    ResponseForm,
    StageActionForm,
)
from apps.desk.models import RequestDocument, RequestStage, ServiceRequest, StageFile
from apps.orgs import roles
from apps.orgs.selectors import counter_list

INTAKE_ROLES = (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
STAGE_ROLES = selectors.STAGE_ROLES
RESPONSE_ROLES = selectors.RESPONSE_ROLES


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The clerk's and officer's desk: counts, my inbox, what I must answer, delivery, overdue items."""
    user = request.user
    can_intake = roles.has_role(user, *INTAKE_ROLES)
    return render(request, "desk/dashboard.html", {
        "counts": selectors.dashboard_counts(user=user),
        "inbox": selectors.inbox(user=user)[:10],
        "escalated": selectors.escalated_to_me(user=user)[:10],
        "to_respond": selectors.awaiting_response(user=user)[:10],
        # A clerk sees where the desk's requests wait for their response (not a task of theirs).
        "waiting_elsewhere": selectors.awaiting_response_at_desk(user=user)
        .exclude(pk__in=selectors.awaiting_response(user=user).values("pk"))[:10] if can_intake else [],
        "to_deliver": selectors.awaiting_delivery(user=user)[:10],
        "overdue": selectors.overdue_requests(user=user)[:10],
        "counters": counter_list(user=user).filter(active=True),
        "can_intake": can_intake,
    })


@role_required(*INTAKE_ROLES)
def intake_start(request: HttpRequest) -> HttpResponse:
    """Pick the sub-service the applicant asks for."""
    query = search_query(request)
    services_qs = manage_service_list(user=request.user, query=query).filter(published_q()).exclude(stage_count=0)
    ticket = request.GET.get("ticket", "")
    return render(request, "desk/intake_start.html", {
        "services": services_qs, "q": query, "ticket": ticket if ticket.isascii() and ticket.isdigit() else "",
    })


SESSION_COUNTER = "desk_counter"


@role_required(*INTAKE_ROLES)
def intake(request: HttpRequest, service_id: int) -> HttpResponse:
    """Register a request at the counter: applicant, documents (attaching the scan is receiving it),
    then the receipt. The counter is remembered for the session; a called queue ticket is recorded."""
    service = get_or_404(lambda pk: manage_service_list(user=request.user).filter(published_q()).get(pk=pk), pk=service_id)
    staff = request.user.staff
    counters = counter_list(user=request.user).filter(active=True)
    ticket_id = request.GET.get("ticket", "")
    initial = {"counter": request.session.get(SESSION_COUNTER), "ticket": ticket_id if ticket_id.isdigit() else None}
    form = IntakeForm(request.POST or None, request.FILES or None, service=service, counters=counters,
                      owner=f"user:{request.user.pk}", initial=initial)
    duplicates = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            duplicates = list(selectors.open_duplicates(service_id=service.pk, national_code=data["national_code"]))
            if duplicates and not data.get("confirm_duplicate"):
                form.add_error("confirm_duplicate", _("This applicant already has an open request for this service."))
            else:
                try:
                    sr = services.service_request_register(
                        service=service, unit=staff.unit, by=staff, counter=data.get("counter"),
                        applicant=services.Applicant(
                            national_code=data["national_code"], full_name=data["full_name"], mobile=data["mobile"],
                            email=data.get("email", ""), legal_id=data.get("legal_id", ""),
                            legal_name=data.get("legal_name", ""),
                        ),
                        documents=form.documents(),
                        incomplete_reason=data.get("incomplete_reason", ""),
                        ticket=selectors.queue_ticket_for_intake(user=request.user, pk=data.get("ticket")),
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    if data.get("counter"):
                        request.session[SESSION_COUNTER] = data["counter"].pk
                    messages.success(request, _("The request was registered. Print the receipt for the applicant."))
                    return redirect("desk:receipt", pk=sr.pk)
        form.keep_uploads()
    return render(request, "desk/intake_form.html", {"service": service, "form": form, "duplicates": duplicates})


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests of the user's area; search by tracking code, national code, mobile or name."""
    query = search_query(request)
    qs, search_error = selectors.request_search(selectors.request_list(user=request.user), query)
    status = request.GET.get("status", "")
    if status in ServiceRequest.Status.values:
        qs = qs.filter(status=status)
    page = CappedPaginator(qs.order_by("-received_at"), 30).get_page(request.GET.get("page"))
    return render(request, "desk/request_list.html", {
        "page": page, "requests": page.object_list, "q": query, "status": status, "search_error": search_error,
        "statuses": ServiceRequest.Status.choices,
    })


def _action_form(sr: ServiceRequest, stages: list, current: RequestStage, data=None, files=None) -> StageActionForm:
    return StageActionForm(
        data, files, initial={"version": sr.version}, stage=current,
        earlier_stages=[s for s in stages if s.order < current.order],
        supervisors=services.escalation_supervisors(current),
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sr = get_or_404(selectors.request_get, user=request.user, pk=pk)
    stages = list(sr.stages.all())
    current = next((s for s in stages if s.state in (RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD)), None)
    action_form = None
    if current is not None and selectors.actionable_stages(user=request.user).filter(pk=current.pk).exists():
        action_form = _action_form(sr, stages, current)
    response = getattr(sr, "response", None) if hasattr(sr, "response") else None
    can_respond = response is None and selectors.awaiting_response(user=request.user).filter(pk=sr.pk).exists()
    from apps.desk.notifications import request_notifications

    return render(request, "desk/request_detail.html", {
        "sr": sr, "stages": stages, "current": current, "action_form": action_form, "response": response,
        "can_respond": can_respond,
        "can_deliver": sr.status == ServiceRequest.Status.ANSWERED and roles.has_role(request.user, *INTAKE_ROLES),
        "can_edit": sr.is_open and roles.has_role(request.user, *INTAKE_ROLES)
        and scope_queryset(ServiceRequest.objects.filter(pk=sr.pk), request.user).exists(),
        "document_form": DocumentAddForm(),
        "notifications": request_notifications(sr),
        "show_personal": True,
    })


def receipt_context(sr: ServiceRequest) -> dict:
    """What table 3 shows, on the page and in the PDF: the request, its documents and a QR code of
    its tracking link."""
    from apps.core.qr import qr_data_uri
    from apps.desk.notifications import tracking_url

    return {
        "sr": sr, "body": sr.unit.body, "site_url": settings.SITE_URL, "documents": list(sr.documents.all()),
        "tracking_qr": qr_data_uri(tracking_url(sr.tracking_code)),
    }


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Table 3, the service receipt, as a printable page, with the way to the next applicant."""
    sr = get_or_404(selectors.request_get, user=request.user, pk=pk)
    return render(request, "desk/receipt.html", {
        **receipt_context(sr), "can_intake": roles.has_role(request.user, *INTAKE_ROLES),
    })


@login_required
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    sr = get_or_404(selectors.request_get, user=request.user, pk=pk)
    return pdf_response(receipt_pdf_bytes(sr, request=request), f"receipt-{sr.tracking_code}.pdf")


def receipt_pdf_bytes(sr: ServiceRequest, *, request=None) -> bytes:
    """Table 3 as PDF; shared by the counter and the applicant's online receipt."""
    return render_pdf("pdf/receipt.html", receipt_context(sr), request=request)


@login_required
def response_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    sr = get_or_404(selectors.request_get, user=request.user, pk=pk)
    if not hasattr(sr, "response"):
        raise Http404
    return pdf_response(response_pdf_bytes(sr, request=request), f"response-{sr.tracking_code}.pdf")


def response_pdf_bytes(sr: ServiceRequest, *, request=None) -> bytes:
    """Table 4 as PDF; shared by the staff page and the applicant's download."""
    return render_pdf("pdf/response.html", {"sr": sr, "response": sr.response, "body": sr.unit.body}, request=request)


@require_POST
@role_required(*STAGE_ROLES)
def stage_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete, refer back, hold, resume or escalate the current stage of a request (its unit's staff
    and their supervisors only)."""
    stage = get_or_404(
        lambda pk: selectors.actionable_stages(user=request.user).select_related("request", "unit").get(pk=pk), pk=pk
    )
    stages = list(stage.request.stages.all())
    form = _action_form(stage.request, stages, stage, request.POST, request.FILES)
    if not form.is_valid():
        for field, error in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(error)}" if label else " ".join(error))
        return redirect("desk:request_detail", pk=stage.request_id)
    data = form.cleaned_data
    staff = request.user.staff
    common = {"stage_id": stage.pk, "by": staff, "expected_version": data["version"]}
    try:
        match data["action"]:
            case "complete":
                files = [(data["file"], data["file"].content_type)] if data.get("file") else []
                done = services.stage_complete(note=data["note"], files=files, **common)
                if done.was_late:
                    messages.warning(request, _("The stage was finished after its agreed time and is recorded as late."))
            case "return":
                services.stage_return(
                    to_order=data.get("return_to") or 0, note=data["note"], bring=data.get("bring", ""), **common
                )
            case "hold":
                services.request_hold(note=data["note"], **common)
            case "resume":
                services.request_resume(note=data["note"], **common)
            case "escalate":
                services.stage_escalate(note=data["note"], to=data.get("escalate_to"), **common)
    except services.TransitionConflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("desk:request_detail", pk=stage.request_id)


@role_required(*RESPONSE_ROLES)
def response_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Table 4: write and issue the formal response once every stage is done (the last stage's unit)."""
    sr = get_or_404(lambda pk: selectors.awaiting_response(user=request.user).get(pk=pk), pk=pk)
    form = ResponseForm(request.POST or None, initial={
        "version": sr.version, "appeal_deadline": _("20 days from delivery"),
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.response_issue(
                request_id=sr.pk, by=request.user.staff, expected_version=data["version"],
                **{k: data[k] for k in ("outcome", "content", "legal_basis", "appeal_authority", "appeal_deadline", "notes")},
            )
        except services.TransitionConflict as exc:
            messages.error(request, str(exc))
            return redirect("desk:request_detail", pk=sr.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The response was issued; the applicant has been told it is ready."))
            return redirect("desk:request_detail", pk=sr.pk)
    return render(request, "desk/response_form.html", {"sr": sr, "form": form})


@role_required(*INTAKE_ROLES)
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the response over against the receipt: who collects it (checked against the request) and a
    confirmation, then the delivery is recorded."""
    sr = get_or_404(selectors.request_get, user=request.user, pk=pk)
    if sr.status != ServiceRequest.Status.ANSWERED:
        messages.error(request, _("There is no response to deliver for this request."))
        return redirect("desk:request_detail", pk=sr.pk)
    form = DeliveryForm(request.POST or None, request_obj=sr, initial={"version": sr.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        representative = data["collector"] == DeliveryForm.REPRESENTATIVE
        try:
            services.request_deliver(
                request_id=sr.pk, by=request.user.staff, expected_version=data["version"],
                collector_name=data.get("name", "") if representative else "",
                collector_national_code=data["national_code"],
            )
        except (services.TransitionConflict, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Delivered. The delivery date is on the receipt and the survey link was sent."))
        return redirect("desk:request_detail", pk=sr.pk)
    return render(request, "desk/deliver.html", {"sr": sr, "form": form})


def _desk_request(request: HttpRequest, pk: int) -> ServiceRequest:
    """A request received at a desk in the user's scope (the desk corrects and completes its own)."""
    return get_or_404(lambda pk: scope_queryset(ServiceRequest.objects.all(), request.user).get(pk=pk), pk=pk)


@require_POST
@role_required(*INTAKE_ROLES)
def document_add(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """A document missing at intake, brought later: scan or sight on paper, recorded in the history."""
    sr = _desk_request(request, pk)
    form = DocumentAddForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("desk:request_detail", pk=sr.pk)
    upload = form.cleaned_data.get("file")
    try:
        document = services.request_document_add(
            request_id=sr.pk, document_id=document_id, by=request.user.staff,
            file=upload, content_type=getattr(upload, "content_type", ""),
        )
    except RequestDocument.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(doc)s was added to the request.") % {"doc": document.title})
    return redirect("desk:request_detail", pk=sr.pk)


@role_required(*INTAKE_ROLES)
def request_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a typo in the applicant's name, mobile or email (the national code: supervisors only),
    with the reason; the history keeps before and after."""
    sr = _desk_request(request, pk)
    supervisor = roles.has_role(request.user, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
    form = CorrectionForm(request.POST or None, request_obj=sr, supervisor=supervisor)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_correct(request_id=sr.pk, by=request.user.staff, changes=form.changes(),
                                     reason=form.cleaned_data["reason"], supervisor=supervisor)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The applicant's details were corrected; the history keeps the old ones."))
            return redirect("desk:request_detail", pk=sr.pk)
    return render(request, "desk/request_correct.html", {"sr": sr, "form": form})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The stages waiting in my unit (a filter shows the units below), what was escalated to me and the
    responses my unit issues."""
    user = request.user
    units = selectors.inbox_units(user=user)
    chosen = request.GET.get("unit", selectors.INBOX_MINE)
    if chosen not in (selectors.INBOX_MINE, selectors.INBOX_ALL):
        chosen = int(chosen) if chosen.isascii() and chosen.isdigit() and units.filter(pk=chosen).exists() \
            else selectors.INBOX_MINE
    page = Paginator(selectors.inbox(user=user, unit=chosen), 50).get_page(request.GET.get("page"))
    return render(request, "desk/inbox.html", {
        "page": page, "stages": page.object_list, "units": units, "chosen": str(chosen),
        "escalated": selectors.escalated_to_me(user=user)[:50],
        "to_respond": selectors.awaiting_response(user=user)[:50],
    })


@login_required
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    """A scan taken at intake, only for staff who can see its request, only as the type it is."""
    doc = get_or_404(lambda pk: RequestDocument.objects.select_related("request").get(pk=pk, file__gt=""), pk=pk)
    get_or_404(selectors.request_get, user=request.user, pk=doc.request_id)
    return private_file_response(doc.file, filename=f"{doc.request.tracking_code}-{doc.pk}")


@login_required
def stage_file(request: HttpRequest, pk: int) -> FileResponse:
    """A file attached to a stage, on the same terms as the intake scans."""
    item = get_or_404(lambda pk: StageFile.objects.select_related("stage__request").get(pk=pk), pk=pk)
    get_or_404(selectors.request_get, user=request.user, pk=item.stage.request_id)
    return private_file_response(item.file, filename=f"{item.stage.request.tracking_code}-stage-{item.pk}")


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("intake/", intake_start, name="intake_start"),
    path("intake/<int:service_id>/", intake, name="intake"),
    path("requests/", request_list, name="request_list"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/receipt/", receipt, name="receipt"),
    path("requests/<int:pk>/receipt.pdf", receipt_pdf, name="receipt_pdf"),
    path("requests/<int:pk>/response/", response_issue, name="response_issue"),
    path("requests/<int:pk>/response.pdf", response_pdf, name="response_pdf"),
    path("requests/<int:pk>/deliver/", deliver, name="deliver"),
    path("requests/<int:pk>/correct/", request_correct, name="request_correct"),
    path("requests/<int:pk>/documents/<int:document_id>/add/", document_add, name="document_add"),
    path("stages/<int:pk>/action/", stage_action, name="stage_action"),
    path("inbox/", inbox, name="inbox"),
    path("documents/<int:pk>/", document_file, name="document_file"),
    path("stage-files/<int:pk>/", stage_file, name="stage_file"),
]
