"""Forms of the staff pages of cases: registration at the desk or by phone, and the handler's actions
(refer, record an action, respond). They parse input; apps.cases.services decides."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case, CaseEvent, CaseResponse, CaseType
from apps.catalog.models import SubService
from apps.catalog.selectors import published_q
from apps.core import limits
from apps.core.forms import JalaliSplitDateTimeField, MobileField, NationalCodeField, PortalForm
from apps.core.text import normalize_text, search_key
from apps.core.uploads import UploadField
from apps.orgs.models import Body, BodyDuty, OrgUnit, Staff

OUTSIDE = "outside"  # the duties choice "outside our body's duties": the clerk refers instead
ATTACHMENT_SLOTS = 3
# Types a desk registers without naming a service or duty (the service's rule, charter 3-8).
TYPES_WITHOUT_DUTY = (CaseType.FEELINGS, CaseType.THANKS, CaseType.IDEA)


def territory_unit(unit: OrgUnit) -> OrgUnit:
    """The office an inner department works in."""
    while unit.level == OrgUnit.Level.DEPARTMENT and unit.parent_id:
        unit = unit.parent
    return unit


def level_for_unit(unit: OrgUnit) -> str:
    """The level a desk registers at, from where it is: the centre → national, a county unit → county,
    a provincial unit → province, the headquarters of a ministry or national organisation → body."""
    if unit.body.kind == Body.Kind.CENTRE:
        return Case.Level.NATIONAL
    level = territory_unit(unit).level
    return {
        OrgUnit.Level.COUNTY: Case.Level.COUNTY,
        OrgUnit.Level.PROVINCE: Case.Level.PROVINCE,
    }.get(level, Case.Level.BODY)


def desk_bodies(body: Body) -> list[int]:
    """The body and the bodies above it: a provincial directorate registers on its ministry's duties too."""
    ids, parent = [body.pk], body
    while parent.parent_id and parent.parent_id not in ids:
        ids.append(parent.parent_id)
        parent = parent.parent
    return ids


def competent_body_search(query: str, *, exclude: list[int]) -> list[dict]:
    """Other bodies whose duties (title, keywords) or published services match every word of the
    query, each with what matched; at most 20, for the clerk to refer to."""
    words = normalize_text(query or "").split()[:8]
    if not words:
        return []
    duty_q, service_keys = Q(), search_key(query).split()[:8]
    for word in words:
        duty_q &= Q(title__icontains=word) | Q(keywords__icontains=word)
    service_q = published_q()
    for key in service_keys:
        service_q &= Q(search_text__contains=key)
    found: dict[int, dict] = {}
    for duty in BodyDuty.objects.filter(duty_q).exclude(body_id__in=exclude).select_related("body")[:40]:
        found.setdefault(duty.body_id, {"body": duty.body, "matches": []})["matches"].append(duty.title)
    for service in SubService.objects.filter(service_q).exclude(body_id__in=exclude).select_related("body")[:40]:
        found.setdefault(service.body_id, {"body": service.body, "matches": []})["matches"].append(service.title)
    return sorted(found.values(), key=lambda row: str(row["body"]))[:20]


class StaffChoiceField(forms.TypedChoiceField):
    """A staff member chosen from a list, by id. An id that is not in the list (typed by hand, or
    from a stale page) gets the field's own message instead of Django's generic one."""

    def __init__(self, *args, not_listed_message, **kwargs):
        super().__init__(*args, coerce=int, empty_value=None, **kwargs)
        self.error_messages["invalid_choice"] = not_listed_message


class CaseRegisterForm(PortalForm):
    """A case at the desk or by phone: the common fields, the type's own fields, the duties check
    (one of the body's services or duties, or "outside our duties" and the competent body), and
    up to three scans. A scan that passed its checks is kept when the form is shown again."""

    channel = forms.ChoiceField(
        label=_("How the applicant came"), widget=forms.RadioSelect, initial=Case.Channel.DESK,
        choices=[(Case.Channel.DESK, _("At the desk")), (Case.Channel.PHONE, _("By phone"))],
    )
    national_code = NationalCodeField(label=_("National code"))
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    mobile = MobileField(label=_("Mobile"), help_text=_("The applicant is told of every step by SMS."))
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 5}),
    )
    duty_choice = forms.ChoiceField(
        label=_("Which of the body's services or duties is this about?"), required=False, choices=[],
        help_text=_("A desk registers only cases within its body's duties. If it is outside them, choose the last "
                    "option and refer the case to the competent body."),
    )
    referred_to = forms.ModelChoiceField(label=_("The competent body"), queryset=Body.objects.none(), required=False)
    find_body = forms.CharField(
        label=_("Find the competent body by a word of the subject"), required=False, max_length=limits.SEARCH,
    )
    referral_note = forms.CharField(
        label=_("Note for the competent body (optional)"), required=False, max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Complaint
    complained_body = forms.ModelChoiceField(label=_("Body complained about"), queryset=Body.objects.none(), required=False)
    complained_unit = forms.ModelChoiceField(label=_("Unit complained about"), queryset=OrgUnit.objects.none(), required=False)
    official = StaffChoiceField(
        label=_("Official complained about (optional)"), required=False, choices=[],
        not_listed_message=_("This official is not one of the officials of the unit complained about. "
                             "Choose from the list, or leave it empty."),
        help_text=_("Only managers whose post decides who handles the complaint are listed."),
    )
    # People's report
    place = forms.CharField(label=_("Where it happened"), max_length=300, required=False)
    happened_at = JalaliSplitDateTimeField(
        label=_("When it happened (Jalali date and time)"), required=False,
        help_text=_("Date like 1405/09/01 and time like 10:30."),
    )
    # Thanks
    employee = StaffChoiceField(
        label=_("Employee thanked"), required=False, choices=[],
        not_listed_message=_("This employee is not one of the staff listed. Choose from the list."),
    )

    def __init__(self, *args, case_type: str, unit: OrgUnit, owner: str, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not getattr(self.data, "_mutable", True):
            self.data = self.data.copy()  # the kept-file tokens are written into it when shown again
        self.case_type, self.unit, self.owner = case_type, unit, owner
        self.kept_names: dict[str, str] = {}
        self.fields["national_code"].widget.attrs["autofocus"] = True
        own = desk_bodies(unit.body)
        self.own_bodies = own
        services = SubService.objects.filter(published_q(), body_id__in=own).order_by("title").only("pk", "title")
        duties = BodyDuty.objects.filter(body_id__in=own).order_by("title").only("pk", "title")
        self.fields["duty_choice"].choices = [
            ("", "—"),
            (_("Services of the body"), [(f"service:{s.pk}", s.title) for s in services]),
            (_("Duties of the body"), [(f"duty:{d.pk}", d.title) for d in duties]),
            (OUTSIDE, _("Outside our body's duties — refer it to the competent body")),
        ]
        if case_type not in TYPES_WITHOUT_DUTY:
            self.fields["duty_choice"].required = True
            self.fields["duty_choice"].error_messages["required"] = _(
                "Choose the service or duty of the body this case is about, or “outside our body's duties”."
            )
        # The competent body: other bodies; a search narrows the list to those whose duties match.
        self.body_matches = competent_body_search(self._value("find_body"), exclude=own)
        others = Body.objects.exclude(pk__in=own).exclude(kind=Body.Kind.CENTRE).order_by("name_fa")
        if self.body_matches:
            others = others.filter(pk__in=[row["body"].pk for row in self.body_matches])
        self.fields["referred_to"].queryset = others
        for name in ("place", "happened_at", "employee", "complained_body", "complained_unit", "official"):
            if name not in self.type_field_names():
                del self.fields[name]
        if case_type == CaseType.COMPLAINT:
            self._complaint_lists()
        if case_type == CaseType.REPORT:
            self.fields["place"].required = True
            self.fields["happened_at"].required = True
        if case_type == CaseType.THANKS:
            self.fields["employee"].required = True
            self.fields["employee"].choices = [("", "—")] + [
                (s.pk, f"{s.full_name} — {s.post} ({s.unit})") for s in self._thankable()
            ]
        for slot in range(1, ATTACHMENT_SLOTS + 1):
            self.fields[f"attachment_{slot}"] = UploadField(
                label=_("Attachment %(n)s (PDF, JPEG or PNG)") % {"n": slot}, kind="scans", required=False,
            )
            self.fields[f"attachment_{slot}_kept"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def type_field_names(self) -> tuple[str, ...]:
        return {
            CaseType.COMPLAINT: ("complained_body", "complained_unit", "official"),
            CaseType.REPORT: ("place", "happened_at"),
            CaseType.THANKS: ("employee",),
        }.get(self.case_type, ())

    def _value(self, name: str) -> str:
        if not self.is_bound:
            return ""
        return str(self.data.get(self.add_prefix(name)) or "")[: limits.SEARCH].strip()

    def _id(self, name: str) -> int | None:
        value = normalize_text(self._value(name))
        return int(value) if value.isascii() and value.isdigit() else None

    def _complaint_lists(self) -> None:
        """Bodies; the units of the chosen body; the officials (with a post kind) of the chosen unit."""
        self.fields["complained_body"].queryset = Body.objects.exclude(kind=Body.Kind.CENTRE).order_by("name_fa")
        self.fields["complained_body"].required = True
        self.fields["complained_body"].error_messages["required"] = _("Choose the body the complaint is about.")
        body_id, unit_id = self._id("complained_body"), self._id("complained_unit")
        units = OrgUnit.objects.filter(body_id=body_id).select_related("county", "province").order_by("path")
        self.fields["complained_unit"].queryset = units
        self.fields["complained_unit"].label_from_instance = lambda u: f"{u.name} ({u.territory_label})" if u.territory_label else u.name
        officials = Staff.objects.filter(active=True).exclude(post_kind="")
        if unit_id and units.filter(pk=unit_id).exists():
            officials = officials.filter(unit_id=unit_id)
        elif body_id:
            officials = officials.filter(body_id=body_id)
        else:
            officials = officials.none()
        self.officials = officials.select_related("unit")
        self.fields["official"].choices = [("", "—")] + [
            (s.pk, f"{s.full_name} — {s.get_post_kind_display()} ({s.unit})") for s in self.officials
        ]

    def _thankable(self):
        """The staff a desk may thank: those working in the desk's county (or province, or body)."""
        own = territory_unit(self.unit)
        staff = Staff.objects.filter(active=True).select_related("unit")
        if own.county_id:
            staff = staff.filter(unit__county_id=own.county_id)
        elif own.province_id:
            staff = staff.filter(unit__province_id=own.province_id)
        else:
            staff = staff.filter(body_id=own.body_id)
        return staff.order_by("last_name", "first_name")[:500]

    @property
    def outside(self) -> bool:
        """Whether the clerk said the case is outside the body's duties (the page leads to the referral)."""
        return self._value("duty_choice") == OUTSIDE

    def clean_official(self):
        official_id = self.cleaned_data.get("official")
        if official_id is None:
            return None
        official = self.officials.filter(pk=official_id).first()
        if official is None:
            raise ValidationError(self.fields["official"].error_messages["invalid_choice"], code="invalid_choice")
        return official

    def clean_employee(self):
        employee_id = self.cleaned_data.get("employee")
        return Staff.objects.filter(pk=employee_id).first() if employee_id else None

    def clean(self):
        from apps.core.uploads import upload_kept

        data = super().clean()
        choice = data.get("duty_choice") or ""
        data["service"] = data["duty"] = None
        if choice.startswith("service:"):
            data["service"] = SubService.objects.filter(
                published_q(), body_id__in=self.own_bodies, pk=choice.split(":", 1)[1]
            ).first()
        elif choice.startswith("duty:"):
            data["duty"] = BodyDuty.objects.filter(body_id__in=self.own_bodies, pk=choice.split(":", 1)[1]).first()
        if choice == OUTSIDE and not data.get("referred_to") and "referred_to" not in self.errors:
            self.add_error("referred_to", _("Choose the competent body to refer the case to."))
        if choice != OUTSIDE:
            data["referred_to"] = None
        unit = data.get("complained_unit")
        if unit is not None and data.get("complained_body") and unit.body_id != data["complained_body"].pk:
            self.add_error("complained_unit", _("The unit complained about is not a unit of the body complained about."))
        for slot in range(1, ATTACHMENT_SLOTS + 1):
            name = f"attachment_{slot}"
            token = data.get(f"{name}_kept")
            if not data.get(name) and token and name not in self.errors:
                kept = upload_kept(token, owner=self.owner)
                if kept is None:
                    self.add_error(name, _("The file attached before has expired: attach it again."))
                else:
                    data[name] = kept
                    self.kept_names[name] = kept.original_name or str(slot)
        return data

    def keep_uploads(self) -> None:
        """After a failed submission: keep every scan that passed its checks, so the form shown again carries it."""
        from apps.core.uploads import upload_keep

        cleaned = getattr(self, "cleaned_data", {})
        for slot in range(1, ATTACHMENT_SLOTS + 1):
            name = f"attachment_{slot}"
            value = cleaned.get(name)
            if value and name not in self.errors:
                if name not in self.kept_names:
                    self.data[f"{name}_kept"] = upload_keep(value, owner=self.owner)
                    self.kept_names[name] = getattr(value, "original_name", "") or str(slot)
            elif name in self.errors:
                self.data[f"{name}_kept"] = ""

    def attachments_bound(self):
        """(file field, the name of a file kept from the last try) per slot."""
        return [(self[f"attachment_{n}"], self.kept_names.get(f"attachment_{n}", "")) for n in range(1, ATTACHMENT_SLOTS + 1)]

    def attachments(self) -> list:
        return [self.cleaned_data[f"attachment_{n}"] for n in range(1, ATTACHMENT_SLOTS + 1)
                if self.cleaned_data.get(f"attachment_{n}")]


class ReferForm(PortalForm):
    """Refer an open case: to a unit of the same body, to the competent body, or upward to the ministry."""

    kind = forms.ChoiceField(
        label=_("Refer"), widget=forms.RadioSelect,
        choices=[(k, CaseEvent.ReferralKind(k).label) for k in (
            CaseEvent.ReferralKind.UNIT, CaseEvent.ReferralKind.BODY, CaseEvent.ReferralKind.UPWARD,
        )],
    )
    to_unit = forms.ModelChoiceField(label=_("Unit of the same body"), queryset=OrgUnit.objects.none(), required=False)
    to_body = forms.ModelChoiceField(label=_("The competent body"), queryset=Body.objects.none(), required=False)
    note = forms.CharField(label=_("Why it is referred"), max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, prefix="refer", **kwargs)
        current = case.handling_unit
        self.fields["to_unit"].queryset = (
            OrgUnit.objects.filter(body_id=current.body_id).exclude(pk=current.pk).select_related("county", "province")
        )
        self.fields["to_unit"].label_from_instance = lambda u: f"{u.name} ({u.territory_label})" if u.territory_label else u.name
        self.fields["to_body"].queryset = Body.objects.exclude(pk=current.body_id).order_by("name_fa")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == CaseEvent.ReferralKind.UNIT and not data.get("to_unit"):
            self.add_error("to_unit", _("Choose a unit of the same body."))
        if kind == CaseEvent.ReferralKind.BODY and not data.get("to_body"):
            self.add_error("to_body", _("Choose the competent body (another body)."))
        return data


class ActForm(PortalForm):
    """An action taken on the case; the applicant is told unless it is an internal note."""

    note = forms.CharField(label=_("Action taken"), max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Tell the applicant by SMS"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="act", **kwargs)


class RespondForm(PortalForm):
    """The written response that closes the case."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=CaseResponse.Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Response"), max_length=limits.TEXT, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="respond", **kwargs)
