"""Citizens' pages of cases, no login: online registration after a one-time code (/cases/new/), the
case part of the tracking page (/track/), the response PDF, and rating or objecting from the closing SMS.

The mobile confirmation is the e-desk's (apps.desk.otp with the same session entry, the same limits
per step and the same 30 minutes), so a citizen who confirmed their mobile for one is confirmed for the
other. What was typed and attached survives an error and a confirmation that ran out.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.cases import routing, selectors, services
from apps.cases.models import Case, CaseEvent, CaseType
from apps.cases.pdf import case_response_pdf
from apps.core import limits
from apps.core.access import role_required
from apps.core.forms import JalaliDateField, NationalCodeField, PortalForm
from apps.core.pdf import pdf_response
from apps.core.text import localize_digits
from apps.core.uploads import UploadField, upload_keep, upload_kept
from apps.core.validators import normalize_national_code
from apps.desk.services import Applicant
from apps.desk.views.public import (
    EDESK_SESSION_SECONDS,
    SESSION_MOBILE,
    edesk_confirmed,
    edesk_limited,
    edesk_mobile,
    edesk_owner,
    mobile_confirm_step,
)
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit, Staff

SESSION_DRAFT = "cases_draft"
# Cases whose details this browser may see: registered here, or the national code was given.
SESSION_VERIFIED = "track_verified_cases"
ATTACHMENTS = 3

# The types a citizen chooses from, each with a line saying what it is for.
TYPE_HELP = {
    CaseType.REQUEST: gettext_lazy("Ask a body to do something within its duties."),
    CaseType.COMPLAINT: gettext_lazy("Complain about a unit or an official of a body."),
    CaseType.REPORT: gettext_lazy("Report something you saw at a place and time (a fault, a violation)."),
    CaseType.CONSULTATION: gettext_lazy("Ask for advice or guidance."),
    CaseType.FEELINGS: gettext_lazy("Tell a body how you feel about its work."),
    CaseType.IDEA: gettext_lazy("Propose an idea; the national ideas working group reviews it."),
    CaseType.THANKS: gettext_lazy("Thank an employee by their personnel code."),
}


def case_verified(request: HttpRequest, case: Case) -> bool:
    return case.pk in request.session.get(SESSION_VERIFIED, [])


def case_remember(request: HttpRequest, case: Case) -> None:
    request.session[SESSION_VERIFIED] = [*request.session.get(SESSION_VERIFIED, [])[-19:], case.pk]


def _level(unit: OrgUnit) -> str:
    """The level of a case from the unit it is addressed to: its office's territory, the body's HQ
    (a ministry or national organisation) or the centre."""
    territory = routing._territory_unit(unit)
    if territory.level == OrgUnit.Level.COUNTY:
        return Case.Level.COUNTY
    if territory.level == OrgUnit.Level.PROVINCE:
        return Case.Level.PROVINCE
    return Case.Level.NATIONAL if unit.body.kind == Body.Kind.CENTRE else Case.Level.BODY


# --- forms ---------------------------------------------------------------------------------------


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, staff: Staff) -> str:
        # The list covers the body's offices; the office's name tells two managers of one post apart.
        return f"{staff.full_name} — {staff.get_post_kind_display()} ({staff.unit.name})"


class CaseOnlineForm(PortalForm):
    """The citizen's case: the common fields, the type's own fields and up to three attachments."""

    national_code = NationalCodeField(label=gettext_lazy("National code"))
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Office"), queryset=OrgUnit.objects.none(), required=False,
        error_messages={"invalid_choice": gettext_lazy("This office is not one of the body's offices; choose it from the list.")},
    )
    official = OfficialChoiceField(
        label=gettext_lazy("Official complained about (optional)"), queryset=Staff.objects.none(), required=False,
        error_messages={"invalid_choice": gettext_lazy("This official is not a manager of the office you chose; choose one from the list or leave it empty.")},
        help_text=gettext_lazy("Only managers are listed. The post decides who handles the complaint: never the official's own office."),
    )
    employee_code = forms.CharField(
        label=gettext_lazy("Personnel code of the employee you thank"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
        help_text=gettext_lazy("It is on the employee's name plate."),
    )
    place = forms.CharField(label=gettext_lazy("Where it happened"), max_length=300, required=False)
    happened_on = JalaliDateField(label=gettext_lazy("When it happened (optional)"), required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("At most 4,000 characters."),
    )

    def __init__(self, *args, case_type: str, body: Body | None, owner: str, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not getattr(self.data, "_mutable", True):
            self.data = self.data.copy()  # the kept-file tokens are written into it when shown again
        self.case_type, self.body, self.owner = case_type, body, owner
        self.fields["national_code"].widget.attrs["autofocus"] = True
        complaint = case_type == CaseType.COMPLAINT
        if body is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = body.units.order_by("path")
            self.fields["unit"].required = complaint
            if complaint:
                self.fields["unit"].label = _("Office complained about")
            else:
                self.fields["unit"].label = _("Office nearest to you (optional)")
                self.fields["unit"].empty_label = _("The body's headquarters")
        if complaint and body is not None:
            self.fields["official"].queryset = (
                Staff.objects.filter(unit__body=body, active=True).exclude(post_kind="")
                .select_related("unit").order_by("unit__path", "last_name")
            )
        else:
            del self.fields["official"]
        if case_type != CaseType.THANKS:
            del self.fields["employee_code"]
        if case_type != CaseType.REPORT:
            del self.fields["place"]
            del self.fields["happened_on"]
        else:
            self.fields["place"].required = True
        for n in range(1, ATTACHMENTS + 1):
            self.fields[f"attachment_{n}"] = UploadField(label=_("Attachment %(n)s") % {"n": localize_digits(n)}, required=False)
            self.fields[f"attachment_{n}_kept"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    @property
    def kept_names(self) -> dict[str, str]:
        if not hasattr(self, "_kept_names"):
            self._kept_names = {}
        return self._kept_names

    def attachments_bound(self):
        """(file field, the name of a file kept from the last try)."""
        return [(self[f"attachment_{n}"], self.kept_names.get(f"attachment_{n}", "")) for n in range(1, ATTACHMENTS + 1)]

    def clean(self):
        data = super().clean()
        for n in range(1, ATTACHMENTS + 1):
            name = f"attachment_{n}"
            token = data.get(f"{name}_kept")
            if not data.get(name) and token and name not in self.errors:
                kept = upload_kept(token, owner=self.owner)
                if kept is None:
                    self.add_error(name, _("The file attached before has expired: attach it again."))
                else:
                    data[name] = kept
                    self.kept_names[name] = kept.original_name or name
        official, unit = data.get("official"), data.get("unit")
        if official is not None and unit is not None and official.unit_id != unit.pk:
            self.add_error("official", _("This official is not a manager of the office you chose; choose one from the list or leave it empty."))
        if self.case_type == CaseType.THANKS and "employee_code" in data:
            code = (data.get("employee_code") or "").strip()
            employee = Staff.objects.filter(body=self.body, personnel_code=code, active=True).first() if code else None
            if employee is None:
                self.add_error("employee_code", _("No employee of this body has this personnel code; check the name plate."))
            data["employee"] = employee
        return data

    def keep_uploads(self) -> None:
        """After a failed submission: keep every file that passed its checks, so that the form shown
        again carries it; a file that failed keeps its error beside its field."""
        cleaned = getattr(self, "cleaned_data", {})
        for n in range(1, ATTACHMENTS + 1):
            name = f"attachment_{n}"
            value = cleaned.get(name)
            if value and name not in self.errors:
                if name not in self.kept_names:
                    self.data[f"{name}_kept"] = upload_keep(value, owner=self.owner)
                    self.kept_names[name] = getattr(value, "original_name", "") or name
            elif name in self.errors:
                self.data[f"{name}_kept"] = ""

    def attachments(self) -> list:
        return [f for n in range(1, ATTACHMENTS + 1) if (f := self.cleaned_data.get(f"attachment_{n}"))]


# --- registration --------------------------------------------------------------------------------


def _choice(request: HttpRequest) -> tuple[str, Body | None, bool]:
    """(type, body, complete) from the query string or the posted form."""
    source = request.POST if request.method == "POST" else request.GET
    case_type = source.get("type", "")
    if case_type not in CaseType.values:
        return "", None, False
    if case_type == CaseType.IDEA:
        return case_type, None, True
    body_id = source.get("body", "")
    body = Body.objects.filter(pk=body_id, units__isnull=False).distinct().first() if body_id.isdigit() else None
    return case_type, body, body is not None


def _bodies():
    return Body.objects.filter(units__isnull=False).exclude(kind=Body.Kind.CENTRE).distinct().order_by("name_fa")


def _draft_keep(request: HttpRequest, form: CaseOnlineForm) -> None:
    skipped = {"csrfmiddlewaretoken", "step"}
    form.is_valid()
    form.keep_uploads()
    request.session[SESSION_DRAFT] = {
        "data": {k: v for k, v in form.data.items() if k not in skipped and not (k.startswith("attachment_") and not k.endswith("_kept"))},
        "kept_names": form.kept_names,
    }


def _form(request: HttpRequest, case_type: str, body: Body | None, data=None, files=None) -> CaseOnlineForm:
    draft = request.session.get(SESSION_DRAFT) or {}
    drafted = data is None and draft.get("data", {}).get("type") == case_type
    initial = dict(draft.get("data", {})) if drafted else {}
    form = CaseOnlineForm(data, files, case_type=case_type, body=body, owner=edesk_owner(request), initial=initial)
    if drafted:
        form.kept_names.update(draft.get("kept_names", {}))
    return form


def _register(form: CaseOnlineForm, mobile: str) -> Case:
    data = form.cleaned_data
    case_type, body = form.case_type, form.body
    applicant = Applicant(national_code=data["national_code"], full_name=data["full_name"], mobile=mobile, email=data.get("email", ""))
    details: dict = {}
    if case_type == CaseType.IDEA:
        unit = routing.centre_office()
        if unit is None:
            raise ValidationError(_("Ideas cannot be received online yet; please try again later."))
        body = unit.body
    elif case_type == CaseType.COMPLAINT:
        unit = data["unit"]
        details.update(complained_body=body, complained_unit=unit, official=data.get("official"))
    else:
        chosen = data.get("unit")
        near = chosen or body.units.order_by("path").first()
        unit = routing.body_unit_near(body, near=near)
        if case_type == CaseType.THANKS:
            details["employee"] = data["employee"]
        if case_type == CaseType.REPORT:
            details["place"] = data["place"]
            day = data.get("happened_on")
            if day:
                details["happened_at"] = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return services.case_register(
        case_type=case_type, level=_level(unit), unit=unit, body=body, applicant=applicant,
        subject=data["subject"], description=data["description"], channel=Case.Channel.ONLINE,
        attachments=form.attachments(), **details,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Online registration: confirm the mobile by a one-time code, choose the type and the body, fill
    the form. Nothing typed or attached is lost on an error or when the confirmation runs out."""
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and edesk_limited(request, step):
        return render(request, "errors/429.html", status=429)
    context = {"error": "", "notice": "", "mobile": ""}
    page = mobile_confirm_step(
        request, step, context=context, mobile_template="cases/public/new_mobile.html",
        code_template="cases/public/new_code.html", done=lambda: redirect("cases_public:new"),
    )
    if page is not None:
        return page

    mobile = edesk_mobile(request)
    case_type, body, complete = _choice(request)
    if step == "submit" and not mobile:
        if complete:
            _draft_keep(request, CaseOnlineForm(request.POST.copy(), request.FILES, case_type=case_type, body=body, owner=edesk_owner(request)))
        context.update(
            mobile=edesk_confirmed(request)[0],
            notice=_("Your mobile confirmation ran out after 30 minutes, so the case was not sent yet. "
                     "What you typed and the files you attached are kept: confirm your mobile again and send it."),
        )
        return render(request, "cases/public/new_mobile.html", context)
    if not mobile:
        return render(request, "cases/public/new_mobile.html", context)
    if not complete and request.method == "GET" and not request.GET:
        # Back after a new code: the kept draft says which form to show again.
        draft = (request.session.get(SESSION_DRAFT) or {}).get("data", {})
        if draft.get("type"):
            return redirect(f"{request.path}?type={draft['type']}&body={draft.get('body', '')}")
    if not complete:
        context.update(
            mobile=mobile, types=[(value, label, TYPE_HELP[value]) for value, label in CaseType.choices],
            bodies=_bodies(), chosen_type=case_type, chosen_body=body.pk if body else None,
            choose_error=_("Choose the type of your case and the body it is for.") if request.GET else "",
        )
        return render(request, "cases/public/new_choose.html", context)

    data = None
    if step == "submit":
        data = request.POST.copy()
    form = _form(request, case_type, body, data, request.FILES if data is not None else None)
    if data is not None:
        if form.is_valid():
            try:
                case = _register(form, mobile)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                case_remember(request, case)
                request.session.pop(SESSION_MOBILE, None)
                request.session.pop(SESSION_DRAFT, None)
                return redirect("cases_public:registered", code=case.tracking_code)
        form.keep_uploads()
    confirmed_at = edesk_confirmed(request)[1]
    context.update(
        form=form, mobile=mobile, case_type=case_type, type_label=CaseType(case_type).label, body=body,
        confirmed_until=dt.datetime.fromtimestamp(confirmed_at + EDESK_SESSION_SECONDS, tz=dt.UTC),
    )
    return render(request, "cases/public/new_form.html", context)


def _errors_to_form(form: CaseOnlineForm, exc: ValidationError) -> None:
    """The service's errors beside the form's fields where the form has them, else on top."""
    aliases = {"complained_unit": "unit", "complained_body": "unit", "employee": "employee_code", "happened_at": "happened_on"}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def case_registered(request: HttpRequest, code: str) -> HttpResponse:
    """What the citizen sees after registering: the code, where the case went and why, the due date."""
    case = Case.objects.select_related("handling_unit", "body").filter(tracking_code=code).first()
    if case is None or not case_verified(request, case):
        raise Http404
    return render(request, "cases/public/new_done.html", {"case": case})


# --- tracking (called by apps.desk.views.public.track) ---------------------------------------------


def case_track_context(request: HttpRequest, code: str) -> dict:
    """The case part of the tracking page: status, public timeline, due date for anyone with the code;
    subject, description and responses only once the national code was given in this session."""
    case = Case.objects.select_related("handling_unit", "body").filter(tracking_code=code).first()
    if case is None:
        return {"error": _("No case has this tracking code.")}
    context: dict = {"case": case, "verify_error": ""}
    if request.method == "POST":
        try:
            given = normalize_national_code(request.POST.get("national_code", ""))
        except ValidationError:
            given = ""
        if given and constant_time_compare(given, case.national_code):
            case_remember(request, case)
        else:
            context["verify_error"] = _("The national code does not match this case.")
    context["case_events"] = list(case.events.filter(public=True).select_related("to_unit").order_by("at", "id"))
    context["case_verified"] = verified = case_verified(request, case)
    if verified:
        context["case_responses"] = list(case.responses.select_related("unit").order_by("at", "id"))
    return context


def _verified_case(request: HttpRequest, code: str) -> Case:
    case = Case.objects.filter(tracking_code=code).first()
    if case is None or not case_verified(request, case):
        raise Http404
    return case


def response_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's copy of the response, after the national code was confirmed on /track/."""
    case = _verified_case(request, code)
    if not case.responses.exists():
        raise Http404
    return pdf_response(case_response_pdf(case), f"case-response-{case.tracking_code}.pdf", inline=False)


@role_required(*roles.CASE_ROLES)
def response_pdf_staff(request: HttpRequest, code: str) -> HttpResponse:
    """The response PDF for staff whose units registered or handle the case (404 outside scope)."""
    case = selectors.case_list(user=request.user).filter(tracking_code=code).first()
    if case is None or not case.responses.exists():
        raise Http404
    return pdf_response(case_response_pdf(case), f"case-response-{case.tracking_code}.pdf")


# --- rating and objection from the closing SMS ----------------------------------------------------


class CaseRatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how your case was handled?"),
        choices=[], coerce=int, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose one of the five levels.")},
    )

    def __init__(self, *args, **kwargs):
        from apps.feedback.views.qr import SCORE_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["score"].choices = SCORE_CHOICES


class CaseObjectionForm(PortalForm):
    objection = forms.CharField(
        label=gettext_lazy("Why you object to the response"), max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 4}), help_text=gettext_lazy("At most 2,000 characters."),
    )


def _rate_limited(request: HttpRequest) -> bool:
    from django_ratelimit.core import is_ratelimited

    return is_ratelimited(request, group="cases-rate", key="ip", rate=settings.RATING_RATE, method="POST", increment=True)


@require_http_methods(["GET", "HEAD", "POST"])
def case_rate_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the closing SMS: rate the handling on the five-point scale; a complainant may also
    object once, which reopens the case one level up."""
    from apps.feedback.views.qr import _levels

    case = services.case_by_link(token)
    if case is None:
        raise Http404
    if request.method == "POST" and _rate_limited(request):
        return render(request, "errors/429.html", status=429)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    rating_form = CaseRatingForm(request.POST if action == "rate" else None)
    objection_form = CaseObjectionForm(request.POST if action == "object" else None)
    notice = ""
    if action == "rate" and rating_form.is_valid():
        try:
            case = services.case_rate(case=case, score=rating_form.cleaned_data["score"])
        except ValidationError as exc:
            rating_form.add_error(None, exc.messages)
        else:
            notice = _("Thank you: your rating was recorded.")
    elif action == "object" and objection_form.is_valid():
        try:
            case = services.case_object(case=case, reason=objection_form.cleaned_data["objection"])
        except ValidationError as exc:
            objection_form.add_error("objection" if hasattr(exc, "error_dict") else None, exc.messages)
        else:
            notice = _("Your objection was recorded; the complaint was reopened one level up.")
    case.refresh_from_db()
    context = {
        "case": case, "rating_form": rating_form, "objection_form": objection_form, "notice": notice,
        "levels": _levels(), "selected": str(rating_form["score"].value() or ""),
        "objection_event": case.events.filter(kind=CaseEvent.Kind.OBJECTED).select_related("to_unit").first(),
    }
    return render(request, "cases/public/rate.html", context)
