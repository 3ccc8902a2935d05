"""Staff pages of cases: registration at the desk or by phone (with the duties check and the referral
instead), the handling unit's inbox, the list for supervisors and the centre, a case's page and its
actions. Views parse input and call apps.cases.services / selectors; a case outside scope is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.cases import selectors, services
from apps.cases.forms import OUTSIDE, ActForm, CaseRegisterForm, ReferForm, RespondForm, level_for_unit
from apps.cases.models import Case, CaseAttachment, CaseNotification, CaseType
from apps.core.access import get_or_404, role_required
from apps.core.paging import CappedPaginator
from apps.core.text import normalize_text, search_query
from apps.core.uploads import private_file_response
from apps.desk.services import Applicant
from apps.orgs import roles

# Who registers cases at a desk or by phone (a desk clerk may be the people's communication clerk).
REGISTER_ROLES = (roles.PEOPLE_CLERK, roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
# Who works a case handled in their units: refers, records actions, responds.
ACT_ROLES = (
    roles.PEOPLE_CLERK, roles.DESK_CLERK, roles.COMPLAINT_HANDLER, roles.CENTRE_REVIEWER, roles.BODY_SUPERVISOR,
    roles.ADMINISTRATOR,
)
# Who reads cases (always scoped by the selectors).
VIEW_ROLES = (*ACT_ROLES, roles.IDEAS_MEMBER, roles.PROVINCIAL_AUDITOR, roles.NATIONAL_AUDITOR)

PAGE_SIZE = 30
# Where a service error lands on the form: the duties check's fields are one choice on the page.
SERVICE_FIELD_TO_FORM = {"duty": "duty_choice", "service": "duty_choice"}


def _staff(request: HttpRequest):
    staff = getattr(request.user, "staff", None)
    if staff is None or not staff.active:
        raise PermissionDenied
    return staff


def _service_errors(form, error: ValidationError) -> None:
    """Put the service's errors beside the fields they are about (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        name = SERVICE_FIELD_TO_FORM.get(field, field)
        form.add_error(name if name in form.fields else None, messages_)


@role_required(*REGISTER_ROLES)
def case_register(request: HttpRequest) -> HttpResponse:
    """Register a case: the type first, then the form. Two buttons re-show the form without
    registering (the officials of the unit complained about; the search for the competent body),
    keeping everything typed and every scan attached."""
    staff = _staff(request)
    case_type = request.GET.get("type", "")
    if case_type not in CaseType.values:
        return render(request, "cases/staff/register_type.html", {"types": CaseType.choices})
    step = request.POST.get("step", "register")
    data = request.POST or None
    if step == "duties":
        data = request.POST.copy()
        data["duty_choice"] = OUTSIDE  # "it is outside our duties": show the referral at once
    form = CaseRegisterForm(
        data, request.FILES or None, case_type=case_type, unit=staff.unit, owner=f"user:{request.user.pk}",
    )
    if request.method == "POST":
        valid = form.is_valid()
        if step == "register" and valid:
            data = form.cleaned_data
            try:
                case = services.case_register(
                    case_type=case_type, level=level_for_unit(staff.unit), unit=staff.unit, by=staff,
                    channel=data["channel"],
                    applicant=Applicant(
                        national_code=data["national_code"], full_name=data["full_name"], mobile=data["mobile"],
                        email=data.get("email", ""),
                    ),
                    subject=data["subject"], description=data["description"],
                    service=data.get("service"), duty=data.get("duty"),
                    referred_to=data.get("referred_to"), referral_note=data.get("referral_note", ""),
                    complained_body=data.get("complained_body"), complained_unit=data.get("complained_unit"),
                    official=data.get("official"),
                    place=data.get("place", ""), happened_at=data.get("happened_at"), employee=data.get("employee"),
                    attachments=form.attachments(),
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                return redirect("cases:registered", code=case.tracking_code)
        form.keep_uploads()
        if step != "register":
            # Only the lists changed: no errors yet, except a file that was refused.
            form._errors = ErrorDict({k: v for k, v in form.errors.items() if k.startswith("attachment_")})
    return render(request, "cases/staff/register_form.html", {
        "form": form, "case_type": case_type, "type_label": CaseType(case_type).label,
        "level_label": Case.Level(level_for_unit(staff.unit)).label, "unit": staff.unit,
    })


@role_required(*VIEW_ROLES)
def case_registered(request: HttpRequest, code: str) -> HttpResponse:
    """The result of a registration: the tracking code, where the case went, and that the applicant was told."""
    case = get_or_404(lambda code: selectors.case_list(user=request.user).get(tracking_code=code), code=code)
    sms = CaseNotification.objects.filter(case=case, channel=CaseNotification.Channel.SMS).order_by("created_at").first()
    return render(request, "cases/staff/registered.html", {"case": case, "sms": sms})


def _filters(request: HttpRequest, qs, *, states):
    case_type = request.GET.get("type", "")
    state = request.GET.get("state", "")
    if case_type in CaseType.values:
        qs = qs.filter(type=case_type)
    if state in dict(states):
        qs = qs.filter(state=state)
    return qs, {"type": case_type, "state": state, "types": CaseType.choices, "states": states}


OPEN_STATES = [(s, label) for s, label in Case.State.choices if s not in (Case.State.ANSWERED, Case.State.CLOSED)]


@role_required(*VIEW_ROLES)
def case_inbox(request: HttpRequest) -> HttpResponse:
    """The open cases my units handle now, the earliest due first; overdue ones marked."""
    qs, filters = _filters(request, selectors.case_inbox(user=request.user), states=OPEN_STATES)
    page = CappedPaginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    cases = selectors.cases_in_order(list(page.object_list))
    return render(request, "cases/staff/inbox.html", {"page": page, "cases": cases, **filters})


@role_required(*VIEW_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case registered at or handled by my units (all for the centre); by tracking or national code."""
    qs, filters = _filters(request, selectors.case_list(user=request.user), states=Case.State.choices)
    query = normalize_text(search_query(request)).replace("-", "").replace(" ", "")
    if query:
        qs = qs.filter(tracking_code=query) if len(query) == 11 else qs.filter(national_code=query)
    ids = qs.order_by("-created_at", "-pk").values_list("pk", flat=True)
    page = CappedPaginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = selectors.cases_in_order(list(page.object_list))
    return render(request, "cases/staff/list.html", {"page": page, "cases": cases, "q": query, **filters})


def _case(request: HttpRequest, code: str) -> Case:
    return get_or_404(lambda code: selectors.case_list(user=request.user).get(tracking_code=code), code=code)


def _handled(request: HttpRequest, code: str) -> Case:
    """An open case whose handling unit is in the user's scope, for those who act on cases."""
    if not roles.has_role(request.user, *ACT_ROLES):
        raise PermissionDenied
    _staff(request)
    return get_or_404(lambda code: selectors.case_inbox(user=request.user).get(tracking_code=code), code=code)


def _detail(request: HttpRequest, case: Case, *, refer=None, act=None, respond=None, status: int = 200) -> HttpResponse:
    can_act = (
        case.is_open and roles.has_role(request.user, *ACT_ROLES) and getattr(request.user, "staff", None) is not None
        and selectors.case_inbox(user=request.user).filter(pk=case.pk).exists()
    )
    events = case.events.select_related("actor", "from_unit", "to_unit").order_by("at", "pk")
    return render(request, "cases/staff/detail.html", {
        "case": case,
        "events": events,
        "notifications": case.notifications.select_related("event").order_by("created_at", "pk"),
        "attachments": case.attachments.all(),
        "responses": case.responses.select_related("unit", "by").order_by("at", "pk"),
        "can_act": can_act,
        "refer_form": (refer or ReferForm(case=case)) if can_act else None,
        "act_form": (act or ActForm()) if can_act else None,
        "respond_form": (respond or RespondForm()) if can_act else None,
        "is_complaint": case.type == CaseType.COMPLAINT,
    }, status=status)


@role_required(*VIEW_ROLES)
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A case: details, why this unit handles it, the timeline with referrals, the SMS sent, its files and,
    for those who handle it, the actions."""
    return _detail(request, _case(request, code))


@require_POST
@role_required(*ACT_ROLES)
def case_refer(request: HttpRequest, code: str) -> HttpResponse:
    case = _handled(request, code)
    form = ReferForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_refer(
                case=case, kind=data["kind"], by=request.user.staff, note=data["note"],
                to_unit=data.get("to_unit"), to_body=data.get("to_body"),
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The case was referred to %(unit)s; the applicant is told by SMS.") % {
                "unit": case.handling_unit})
            return redirect("cases:detail", code=case.tracking_code)
    return _detail(request, case, refer=form)


@require_POST
@role_required(*ACT_ROLES)
def case_act(request: HttpRequest, code: str) -> HttpResponse:
    case = _handled(request, code)
    form = ActForm(request.POST)
    if form.is_valid():
        try:
            services.case_act(case=case, by=request.user.staff, note=form.cleaned_data["note"],
                              public=form.cleaned_data["public"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The action was recorded."))
            return redirect("cases:detail", code=case.tracking_code)
    return _detail(request, case, act=form)


@require_POST
@role_required(*ACT_ROLES)
def case_respond(request: HttpRequest, code: str) -> HttpResponse:
    case = _handled(request, code)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            services.case_respond(case=case, by=request.user.staff, outcome=form.cleaned_data["outcome"],
                                  text=form.cleaned_data["text"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The response was recorded and the case closed; the applicant is told by SMS."))
            return redirect("cases:detail", code=case.tracking_code)
    return _detail(request, case, respond=form)


@role_required(*VIEW_ROLES)
def case_attachment(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A file given with the case, only to staff who can see the case, only as the type it is."""
    case = _case(request, code)
    item = get_or_404(lambda pk: CaseAttachment.objects.get(pk=pk, case=case), pk=pk)
    return private_file_response(item.file, filename=f"{case.tracking_code}-{item.pk}")
