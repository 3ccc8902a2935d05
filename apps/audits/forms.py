"""The two editable parts of an annex 2 form, as formsets over its rows and §2 items.

A service row shows §4 fields only when it is at the in-person desk and §5 fields only when it is
at the electronic desk — decided by the channel stored when the page was drawn, so a field that
was not on the page is never overwritten by the blank a missing checkbox posts.
"""

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from apps.audits.models import AuditEvidence, AuditServiceRow, AuditSpaceItem
from apps.catalog.models import Channel
from apps.core import limits
from apps.core.forms import NumericInput, PortalForm, PortalModelForm
from apps.core.uploads import UploadField


def _url_field(name: str) -> forms.URLField:
    model_field = AuditServiceRow._meta.get_field(name)
    return forms.URLField(
        label=model_field.verbose_name,
        required=False,
        max_length=model_field.max_length,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"dir": "ltr", "class": "au-url", "placeholder": "https://"}),
    )


def _note(rows: int = 2):
    return forms.Textarea(attrs={"rows": rows})


class RowBodyForm(PortalModelForm):
    """One service as the body declares it: §1 channel and reason, §3 informing, §4, §5."""

    offered_url = _url_field("offered_url")
    website_url = _url_field("website_url")
    page_url = _url_field("page_url")

    class Meta:
        model = AuditServiceRow
        fields = [
            *AuditServiceRow.BODY_FIELDS_1,
            *AuditServiceRow.BODY_FIELDS_3,
            *AuditServiceRow.BODY_FIELDS_4,
            *AuditServiceRow.BODY_FIELDS_5,
        ]
        widgets = {
            "reason_note": forms.TextInput(attrs={"placeholder": _("Explanation (optional)")}),
            "phone": forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
            "docs_at_request_pct": NumericInput(attrs={"class": "au-pct"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = self.instance
        if not row.at_in_person_desk:
            for name in AuditServiceRow.BODY_FIELDS_4:
                del self.fields[name]
        if not row.at_electronic_desk:
            for name in AuditServiceRow.BODY_FIELDS_5:
                del self.fields[name]
        # Radios in the four "where it is delivered" columns of the annex's table.
        self.fields["channel"].widget = forms.RadioSelect()
        self.fields["channel"].choices = Channel.choices
        self.fields["reason"].choices = [("", _("— (electronic)")), *self.fields["reason"].choices[1:]]

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Channel.ELECTRONIC:
            data["reason"] = ""
        elif channel and not data.get("reason"):
            self.add_error("reason", _("Choose why it is not delivered at the electronic desk."))
        return data


class RowEvaluatorForm(PortalModelForm):
    """The evaluator's findings on one service."""

    class Meta:
        model = AuditServiceRow
        fields = list(AuditServiceRow.EVALUATOR_FIELDS)
        widgets = {name: _note(2) for name in AuditServiceRow.EVALUATOR_FIELDS[1:]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.at_in_person_desk:
            del self.fields["desk_correction"]
        if not self.instance.at_electronic_desk:
            del self.fields["edesk_correction"]


class _RatingForm(PortalModelForm):
    rating_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radios in the five columns of the annex's table, without the select's empty choice.
        field = self.fields[self.rating_field]
        field.widget = forms.RadioSelect()
        field.choices = AuditSpaceItem.Rating.choices


class SpaceBodyForm(_RatingForm):
    rating_field = "body_rating"

    class Meta:
        model = AuditSpaceItem
        fields = ["body_rating", "body_note"]
        widgets = {"body_note": _note(2)}


class SpaceEvaluatorForm(_RatingForm):
    rating_field = "evaluator_rating"

    class Meta:
        model = AuditSpaceItem
        fields = ["evaluator_rating", "evaluator_note"]
        widgets = {"evaluator_note": _note(2)}


def _formset(form):
    return modelformset_factory(form.Meta.model, form=form, extra=0, can_delete=False, edit_only=True)


RowBodyFormSet = _formset(RowBodyForm)
RowEvaluatorFormSet = _formset(RowEvaluatorForm)
SpaceBodyFormSet = _formset(SpaceBodyForm)
SpaceEvaluatorFormSet = _formset(SpaceEvaluatorForm)


class EvaluationForm(PortalForm):
    improvement_points = forms.CharField(
        label=_("Points to improve"), required=False, widget=_note(3), max_length=limits.TEXT
    )


class ReturnForm(PortalForm):
    comment = forms.CharField(
        label=_("What the body must correct"),
        required=False,
        max_length=limits.NOTE,
        widget=_note(3),
        help_text=_("Required when you return the form."),
    )

    def __init__(self, *args, returning: bool = False, **kwargs):
        # The comment box posts with every evaluator button; it is required only by "return".
        super().__init__(*args, **kwargs)
        self.returning = returning

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if self.returning and not comment:
            raise forms.ValidationError(_("Say what the body must correct before returning the form."))
        return comment


class ReopenForm(PortalForm):
    reason = forms.CharField(
        label=_("Why the verified form is reopened"),
        max_length=limits.NOTE,
        widget=_note(3),
        help_text=_("Kept in the form's history; the verified version stays readable there."),
    )


class EvidenceForm(PortalForm):
    """A photo or document of the site visit, attached together with any evaluator action. When the
    page comes back with an error elsewhere, a file that passed its checks is kept (apps.core.uploads
    `upload_keep`) and travels with the page as a signed token: nothing is attached twice on site."""

    file = UploadField(
        label=_("Photo or document of the visit"),
        kind="documents",
        required=False,
        widget=forms.FileInput,
        help_text=_(
            "A photo (JPEG, PNG), a PDF or a Word file, at most 5 MB. Photos lose their location tags."
        ),
    )
    section = forms.TypedChoiceField(
        label=_("Section"),
        coerce=int,
        choices=AuditEvidence.Section.choices,
        initial=AuditEvidence.Section.WHOLE,
        # Only read when a file is attached; a post without it (no file) is not an error.
        required=False,
        empty_value=AuditEvidence.Section.WHOLE,
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)
    kept = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, owner: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not getattr(self.data, "_mutable", True):
            self.data = self.data.copy()  # the kept-file token is written into it when shown again
        self.owner = owner
        self.kept_name = ""

    def clean(self):
        from apps.core.uploads import upload_kept

        data = super().clean()
        token = data.get("kept")
        if not data.get("file") and token and "file" not in self.errors:
            kept = upload_kept(token, owner=self.owner)
            if kept is None:
                self.add_error("file", _("The file attached before has expired: attach it again."))
            else:
                data["file"] = kept
                self.kept_name = kept.original_name or kept.name
        return data

    def keep_upload(self) -> None:
        """After a failed submission: keep the file if it passed its checks, for the page shown again."""
        from apps.core.uploads import upload_keep

        self.is_valid()  # the view may have stopped at an earlier invalid form
        value = self.cleaned_data.get("file")
        if value and "file" not in self.errors:
            if not self.kept_name:
                self.data[self.add_prefix("kept")] = upload_keep(value, owner=self.owner)
                self.kept_name = getattr(value, "original_name", "") or value.name
        elif "file" in self.errors:
            self.data[self.add_prefix("kept")] = ""


def changed_values(formset, *, key: str = "pk") -> dict[int, dict]:
    """{instance key: {field: cleaned value}} of a valid formset, only the fields each form showed."""
    return {
        getattr(f.instance, key): {
            name: f.cleaned_data[name] for name in f.fields if name in f.cleaned_data and name != "id"
        }
        for f in formset.forms
    }
