"""Forms of the desk: intake at a counter, stage actions, the response notice."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SubService
from apps.core import limits
from apps.core.forms import LegalIdField, MobileField, NationalCodeField, PortalForm
from apps.core.uploads import UploadField
from apps.desk.models import ServiceRequest


class ScanField(UploadField):
    """A scan of a document: PDF, JPEG or PNG, checked by apps.core.uploads, at most 5 MB."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, kind="scans", **kwargs)


class IntakeForm(PortalForm):
    """The clerk's (or the applicant's, online) intake form for one sub-service.

    Per required document of the catalog a file field and a checkbox are added at runtime: attaching
    the scan is enough (it means received); the checkbox is for a document seen on paper only. When
    the form comes back with an error, the scans that passed their checks are kept (apps.core.uploads
    `upload_keep`) and travel with the form as signed tokens, so nothing has to be attached twice."""

    national_code = NationalCodeField(label=_("National code"))
    legal_id = LegalIdField(label=_("Legal entity's national ID"), required=False)
    legal_name = forms.CharField(label=_("Legal entity's name"), required=False, max_length=200)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    mobile = MobileField(label=_("Mobile"))
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    counter = forms.ModelChoiceField(label=_("Counter"), queryset=None, required=False)
    incomplete_reason = forms.CharField(
        label=_("Why register with documents missing"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.NOTE,
        help_text=_("Only if a document is missing and the request must still be registered."),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("I checked: this applicant already has an open request for this service, register anyway"),
        required=False,
    )
    ticket = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, service: SubService, counters=None, online: bool = False, owner: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not getattr(self.data, "_mutable", True):
            self.data = self.data.copy()  # the kept-file tokens are written into it when shown again
        self.service = service
        self.online = online
        self.owner = owner
        # The clerk types the national code first; the cursor is there when the page opens.
        self.fields["national_code"].widget.attrs["autofocus"] = True
        if counters is None or online:
            del self.fields["counter"]
        else:
            self.fields["counter"].queryset = counters
        if online:
            # Online applicants cannot explain away a missing document: the checklist must be complete.
            del self.fields["incomplete_reason"]
            del self.fields["ticket"]
        if service.service_type != "G2B":
            del self.fields["legal_id"]
            del self.fields["legal_name"]
        else:
            self.fields["legal_id"].required = True
            self.fields["legal_name"].required = True
            self.fields["full_name"].label = _("Representative's full name")
        self.document_rows = []
        for doc in service.documents.all():
            received = f"doc_{doc.pk}_received"
            upload = f"doc_{doc.pk}_file"
            if not online:  # online there is no paper to see: the scan is the document
                self.fields[received] = forms.BooleanField(label=_("Seen on paper"), required=False)
            self.fields[upload] = ScanField(label=doc.title, required=False)
            self.fields[f"doc_{doc.pk}_kept"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
            self.document_rows.append((doc, received, upload))

    def documents_bound(self):
        """(document, its checkbox, its file field, the name of a file kept from the last try)."""
        return [
            (doc, self[received] if received in self.fields else None, self[upload], self.kept_names.get(upload, ""))
            for doc, received, upload in self.document_rows
        ]

    @property
    def kept_names(self) -> dict[str, str]:
        if not hasattr(self, "_kept_names"):
            self._kept_names = {}
        return self._kept_names

    def clean(self):
        from apps.core.uploads import upload_kept

        data = super().clean()
        for doc, received, upload in self.document_rows:
            token = data.get(f"doc_{doc.pk}_kept")
            if not data.get(upload) and token and upload not in self.errors:
                kept = upload_kept(token, owner=self.owner)
                if kept is None:
                    self.add_error(upload, _("The file attached before has expired: attach it again."))
                else:
                    data[upload] = kept
                    self.kept_names[upload] = kept.original_name or doc.title
            if data.get(upload):
                data[received] = True  # attaching the scan is receiving the document
            elif doc.upload_required and (data.get(received) or self.online):
                self.add_error(upload, _("This document must be uploaded."))
        missing = [doc.title for doc, received, upload in self.document_rows
                   if not data.get(received) and upload not in self.errors]
        if self.online:
            # Online, what the catalog does not require as a scan may be brought to the desk instead.
            return data
        if missing and not (data.get("incomplete_reason") or "").strip():
            raise ValidationError(
                _("Documents are missing: %(docs)s. Tell the applicant now and either collect them or record why "
                  "the request is registered incomplete.") % {"docs": "، ".join(missing)}
            )
        return data

    def keep_uploads(self) -> None:
        """After a failed submission: keep every scan that passed its checks, so that the form shown
        again carries it; a scan that failed keeps its error beside its field."""
        from apps.core.uploads import upload_keep

        cleaned = getattr(self, "cleaned_data", {})
        for doc, _received, upload in self.document_rows:
            kept_field = f"doc_{doc.pk}_kept"
            value = cleaned.get(upload)
            if value and upload not in self.errors:
                if upload not in self.kept_names:
                    self.data[kept_field] = upload_keep(value, owner=self.owner)
                    self.kept_names[upload] = getattr(value, "original_name", "") or doc.title
            elif upload in self.errors:
                self.data[kept_field] = ""

    def documents(self):
        """The checklist as the registration service takes it."""
        from apps.desk.services import IntakeDocument

        data = self.cleaned_data
        return [
            IntakeDocument(
                required_id=doc.pk, title=doc.title, received=bool(data.get(received)),
                file=data.get(upload), content_type=getattr(data.get(upload), "content_type", ""),
            )
            for doc, received, upload in self.document_rows
        ]


class StageActionForm(PortalForm):
    """What can be done with the current stage: only the actions its state allows, the first selected."""

    ACTIONS = {
        "complete": _("Done — hand over to the next stage"),
        "return": _("Refer back to an earlier stage"),
        "hold": _("Put on hold for an inquiry"),
        "resume": _("Inquiry answered — resume"),
        "escalate": _("Escalate to a supervisor"),
    }
    action = forms.ChoiceField(label=_("Action"), choices=[], widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Result or note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.NOTE
    )
    return_to = forms.TypedChoiceField(label=_("Refer back to stage"), coerce=int, required=False, choices=[])
    bring = forms.CharField(
        label=_("What the applicant must bring"), required=False, max_length=300,
        help_text=_("Only when referring back for a missing document: the applicant gets it by SMS."),
    )
    escalate_to = forms.ModelChoiceField(label=_("Escalate to"), queryset=None, required=False)
    file = ScanField(label=_("Attach a file (PDF, JPEG, PNG)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, stage, earlier_stages=(), supervisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        from apps.desk.models import RequestStage
        from apps.orgs.models import Staff

        if stage.state == RequestStage.State.ON_HOLD:
            names = ["resume", "escalate"]
        else:
            names = ["complete", "return", "hold", "escalate"] if earlier_stages else ["complete", "hold", "escalate"]
        supervisors = supervisors if supervisors is not None else Staff.objects.none()
        if not supervisors.exists():
            names.remove("escalate")
        self.fields["action"].choices = [(n, self.ACTIONS[n]) for n in names]
        self.fields["action"].initial = names[0]
        self.fields["escalate_to"].queryset = supervisors
        self.fields["escalate_to"].label_from_instance = lambda s: f"{s.full_name} — {s.post} ({s.unit})"
        self.fields["return_to"].choices = [("", "—")] + [(s.order, f"{s.order}. {s.title}") for s in earlier_stages]
        for name in ("return_to", "bring"):
            if "return" not in names:
                del self.fields[name]
        if "escalate" not in names:
            del self.fields["escalate_to"]
        if stage.state == RequestStage.State.ON_HOLD:
            del self.fields["file"]


class ResponseForm(PortalForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ServiceRequest.Outcome.choices, widget=forms.RadioSelect)
    content = forms.CharField(
        label=_("Main content of the response"), widget=forms.Textarea(attrs={"rows": 5}), max_length=limits.DOCUMENT
    )
    legal_basis = forms.CharField(
        label=_("Legal basis and reasoning"), widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.DOCUMENT
    )
    appeal_authority = forms.CharField(label=_("Authority for appeal"), required=False, max_length=300)
    appeal_deadline = forms.CharField(label=_("Deadline for appeal"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.NOTE
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ServiceRequest.Outcome.REFUSED and not data.get("appeal_authority"):
            self.add_error("appeal_authority", _("A refusal must name the authority and deadline for appeal."))
        return data


class DeliveryForm(PortalForm):
    """Handing the response over: who collects it, checked against the request, and a confirmation."""

    APPLICANT, REPRESENTATIVE = "applicant", "representative"
    collector = forms.ChoiceField(
        label=_("Who collects the response"), widget=forms.RadioSelect, initial=APPLICANT,
        choices=[(APPLICANT, _("The applicant")), (REPRESENTATIVE, _("A representative"))],
    )
    national_code = NationalCodeField(label=_("National code on the collector's ID card"))
    name = forms.CharField(label=_("Representative's full name"), required=False, max_length=200)
    confirm = forms.BooleanField(
        label=_("I checked the receipt and the collector's ID card, and handed the response over"), required=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, request_obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_obj = request_obj

    def clean(self):
        data = super().clean()
        code = data.get("national_code")
        if data.get("collector") == self.APPLICANT and code and code != self.request_obj.national_code:
            self.add_error("national_code", _("This is not the applicant's national code. If someone else collects "
                                              "the response, choose “a representative” and write their name."))
        if data.get("collector") == self.REPRESENTATIVE:
            if not (data.get("name") or "").strip():
                self.add_error("name", _("Write the representative's name."))
            if code and code == self.request_obj.national_code:
                self.add_error("collector", _("This is the applicant's own national code: choose “the applicant”."))
        return data


class DocumentAddForm(PortalForm):
    """A document brought after registration: its scan, or its sight on paper."""

    file = ScanField(label=_("Scan"), required=False)
    on_paper = forms.BooleanField(label=_("Seen on paper (no scan)"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("on_paper") and not self.errors:
            raise ValidationError(_("Attach the scan, or tick that the document was seen on paper."))
        return data


class CorrectionForm(PortalForm):
    """Correcting the applicant's details after registration, with the reason (kept in the history)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    mobile = MobileField(label=_("Mobile"))
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    legal_name = forms.CharField(label=_("Legal entity's name"), required=False, max_length=200)
    national_code = NationalCodeField(label=_("National code"))
    reason = forms.CharField(label=_("Why the details are corrected"), max_length=limits.NOTE,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, request_obj, supervisor: bool, **kwargs):
        kwargs.setdefault("initial", {f: getattr(request_obj, f) for f in
                                      ("full_name", "mobile", "email", "legal_name", "national_code")})
        super().__init__(*args, **kwargs)
        if not request_obj.legal_id:
            del self.fields["legal_name"]
        if not supervisor:
            # A different national code is a different person: only a supervisor changes it.
            self.fields["national_code"].disabled = True
            self.fields["national_code"].help_text = _("Only a desk supervisor may change the national code.")

    def changes(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.changed_data if f != "reason" and not self.fields[f].disabled}
