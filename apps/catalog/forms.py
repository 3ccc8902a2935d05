"""Forms of the supervisor's catalog screens: the service, its table 1 and information-document rows,
and what a counter serves.

Choices of bodies, units and staff are always narrowed to the editor's scope by the caller (the
views pass querysets from the one scoping function), so a form never offers what the user cannot see.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import FAQ, Fee, Inquiry, LawReference, RequiredDocument, SubService, WorkflowStage
from apps.core.forms import JalaliDateField, NumericInput, PortalForm, PortalModelForm
from apps.orgs.models import OrgUnit, Staff

# Persian keyboards type the Arabic decimal separator (U+066B) and group thousands with U+066C.
_DECIMAL_MARKS = str.maketrans({"\u066b": ".", "/": "."})
_GROUPING = str.maketrans("", "", "\u066c,، _")

_LTR = {"dir": "ltr"}


class DurationField(forms.DecimalField):
    """A duration such as 2 or 1.5, typed with any digits and either decimal mark; shown without ".0"."""

    widget = NumericInput
    default_error_messages = {"not_positive": _("Give a duration greater than zero.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 1)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_DECIMAL_MARKS)
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise ValidationError(self.error_messages["not_positive"], code="not_positive")

    def clean(self, value):
        value = super().clean(value)
        # As the database gives it back (2 → 2.0), so that an untouched duration is not logged as changed.
        return value.quantize(Decimal(1).scaleb(-self.decimal_places)) if value is not None else value

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float):
            try:
                value = Decimal(value)
            except InvalidOperation:
                return value
            return (
                str(value.quantize(Decimal(1)))
                if value == value.to_integral_value()
                else str(value.normalize())
            )
        return value


class RialField(forms.IntegerField):
    """An amount in rials; thousands separators (, ٬ or spaces) as people copy them from tariffs are accepted."""

    widget = NumericInput

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_GROUPING)
        return super().to_python(value)


class OrderField(forms.IntegerField):
    """The position of a row: 1, 2, 3…"""

    widget = NumericInput
    default_error_messages = {"min_value": _("Numbers start at 1.")}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=999, **kwargs)


def unit_choices(units) -> list:
    """Select choices for org units, grouped by body when there is more than one (one query, reused by
    every row of table 1 instead of one query per row)."""
    units = list(units)
    bodies = {u.body_id for u in units}
    blank = [("", "---------")]
    if len(bodies) <= 1:
        return blank + [(u.pk, u.name) for u in units]
    groups: dict[str, list] = {}
    for u in units:
        groups.setdefault(u.body.name, []).append((u.pk, u.name))
    return blank + list(groups.items())


class SubServiceForm(PortalModelForm):
    """The service itself: identity, channel, information document fields and the units that offer it."""

    average_duration = DurationField(label=_("declared average duration"), required=False)
    eservice_url = forms.URLField(
        label=_("e-service page"), required=False, assume_scheme="https", widget=forms.URLInput(attrs=_LTR),
        max_length=200,  # the column holds 200
    )

    valid_from = JalaliDateField(
        label=_("in the catalog from"),
        help_text=_("The first day the service is offered; reports of earlier periods do not count it."),
    )
    valid_until = JalaliDateField(
        label=_("in the catalog until"),
        required=False,
        help_text=_("The last day the service is offered; empty while it still is."),
    )
    changes_from = JalaliDateField(
        label=_("a change of channel, type or publication takes effect on"),
        required=False,
        help_text=_("Empty: today. Reports of the days before it keep what the service was then."),
    )

    class Meta:
        model = SubService
        fields = [
            "body",
            "code",
            "title",
            "service_type",
            "active",
            "valid_from",
            "valid_until",
            "description",
            "channel",
            "non_electronic_reason",
            "non_electronic_note",
            "eservice_url",
            "addresses",
            "units",
            "average_duration",
            "average_duration_unit",
            "responsible_name",
            "responsible_contact",
            "complaint_procedure",
        ]
        widgets = {
            "code": NumericInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "non_electronic_note": forms.Textarea(attrs={"rows": 2}),
            "addresses": forms.Textarea(attrs={"rows": 2}),
            "units": forms.CheckboxSelectMultiple,
            "complaint_procedure": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, bodies, units, **kwargs):
        """`bodies` and `units` are the editor's scoped querysets; on edit the body is fixed."""
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        if self.instance.pk:
            # Moving a service to another body would strand its stages, counters and history.
            self.fields["body"].disabled = True
            # Units already offering it stay listed even when outside the editor's scope, so that
            # saving the form does not silently drop them.
            units = OrgUnit.objects.filter(
                Q(pk__in=units.filter(body_id=self.instance.body_id).values("pk"))
                | Q(pk__in=self.instance.units.values("pk"))
            )
        units = units.select_related("body").order_by("body__name_fa", "path")
        self.fields["units"].queryset = units
        multi_body = len({u.body_id for u in units}) > 1
        self.fields["units"].label_from_instance = (
            (lambda u: f"{u.name} — {u.body.name}") if multi_body else (lambda u: u.name)
        )
        if not self.instance.pk and not self.is_bound and bodies.count() == 1:
            self.fields["body"].empty_label = None
        if not self.instance.pk:
            del self.fields["changes_from"]  # a new service starts on its first day

    def clean(self):
        cleaned = super().clean()
        body = cleaned.get("body")
        units = cleaned.get("units")
        if "changes_from" in cleaned:
            # SubService.save dates the new state of its channel, type and publication by this.
            self.instance.changes_from = cleaned["changes_from"]
        if body and units:
            strangers = [u.name for u in units if u.body_id != body.pk]
            if strangers:
                self.add_error(
                    "units",
                    _("These units belong to another body: %(units)s.") % {"units": "، ".join(strangers)},
                )
        return cleaned


class StageForm(PortalModelForm):
    order = OrderField(label=_("order"))
    duration = DurationField(label=_("agreed duration"))

    class Meta:
        model = WorkflowStage
        fields = ["order", "title", "responsible_unit", "responsible_post", "duration", "duration_unit"]

    def __init__(self, *args, units=None, unit_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_unit"]
        if units is not None:
            field.queryset = units
        if unit_choices is not None:
            # Precomputed once per page: a ModelChoiceField would query the units for every row.
            field.choices = unit_choices


class BaseStageFormSet(BaseInlineFormSet):
    """Table 1 as a whole: numbered 1, 2, 3… without repeats, every unit inside the service's body."""

    #: The body the stages must belong to; set by the view once the service form has been cleaned.
    body = None

    def validate_unique(self):
        # The (service, order) constraint is checked in clean() with a message that names the stage;
        # Django's generic "duplicate data" message would not say which row is wrong.
        return

    def clean(self):
        super().clean()
        rows = [f for f in self.forms if getattr(f, "cleaned_data", None) and not self._should_delete_form(f)]
        if not rows and not any(f.errors for f in self.forms):
            raise ValidationError(_("Table 1 needs at least one stage."), code="no_stages")
        seen: dict[int, forms.Form] = {}
        for form in rows:
            order = form.cleaned_data.get("order")
            if order is None:
                continue
            if order in seen:
                message = _("Stage number %(order)s is used twice; give each stage its own number.") % {
                    "order": order
                }
                for clash in (seen[order], form):
                    if "order" not in clash.errors:
                        clash.add_error("order", message)
            else:
                seen[order] = form
        if self.body is not None:
            for form in rows:
                unit = form.cleaned_data.get("responsible_unit")
                if (
                    unit is not None
                    and unit.body_id != self.body.pk
                    and "responsible_unit" not in form.errors
                ):
                    form.add_error(
                        "responsible_unit", _("The responsible unit must belong to the service's body.")
                    )

    def save(self, commit=True):
        if commit:
            # Rows that give up their number (renumbered or removed) are parked on free numbers first:
            # swapping stages 1 and 2 would otherwise break the one-number-per-stage constraint mid-save.
            moving = [
                f.instance.pk
                for f in self.initial_forms
                if f.instance.pk and (self._should_delete_form(f) or "order" in f.changed_data)
            ]
            for offset, pk in enumerate(moving):
                WorkflowStage.objects.filter(pk=pk).update(order=30000 + offset)
        return super().save(commit)


class DocumentForm(PortalModelForm):
    order = OrderField(label=_("order"))

    class Meta:
        model = RequiredDocument
        fields = ["order", "title", "form", "upload_required"]


class InquiryForm(PortalModelForm):
    class Meta:
        model = Inquiry
        fields = ["title", "answering_body"]


class FeeForm(PortalModelForm):
    amount_rials = RialField(label=_("amount (rials)"), min_value=0)

    class Meta:
        model = Fee
        fields = ["title", "amount_rials", "account", "legal_basis"]
        widgets = {"account": forms.TextInput(attrs=_LTR)}


class LawForm(PortalModelForm):
    url = forms.URLField(
        label=_("link"), required=False, assume_scheme="https", widget=forms.URLInput(attrs=_LTR),
        max_length=200,  # the column holds 200
    )

    class Meta:
        model = LawReference
        fields = ["title", "url"]


class FAQForm(PortalModelForm):
    order = OrderField(label=_("order"))

    class Meta:
        model = FAQ
        fields = ["order", "question", "answer"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 2})}


def _inline(model, form, formset=BaseInlineFormSet):
    return inlineformset_factory(
        SubService, model, form=form, formset=formset, extra=0, can_delete=True, can_delete_extra=False
    )


StageFormSet = _inline(WorkflowStage, StageForm, BaseStageFormSet)
DocumentFormSet = _inline(RequiredDocument, DocumentForm)
InquiryFormSet = _inline(Inquiry, InquiryForm)
FeeFormSet = _inline(Fee, FeeForm)
LawFormSet = _inline(LawReference, LawForm)
FAQFormSet = _inline(FAQ, FAQForm)

# prefix → (formset class, heading, empty rows on a new service, on an existing one). The prefixes are
# the related names, so the history page and the POST data speak the same words.
SERVICE_FORMSETS = {
    "stages": (StageFormSet, _("Table 1 — workflow stages"), 6, 2),
    "documents": (DocumentFormSet, _("Required documents"), 4, 2),
    "inquiries": (InquiryFormSet, _("Inquiries the body obtains itself"), 2, 1),
    "fees": (FeeFormSet, _("Fees"), 3, 1),
    "laws": (LawFormSet, _("Laws and regulations"), 2, 1),
    "faqs": (FAQFormSet, _("Frequently asked questions"), 3, 1),
}

_HINTS = {
    "stages": _(
        "The promised response date is the sum of these durations in working time. Working days are whole"
        " numbers; use hours for parts of a day."
    ),
    "inquiries": _("The body obtains these itself: the applicant is never sent to fetch them."),
}

# Formsets whose empty rows come numbered, continuing after the last saved row.
_NUMBERED = {"stages", "documents", "faqs"}


def service_formsets(*, service: SubService, data=None, units=None, choices=None) -> list:
    """The inline formsets of a service page, with a few empty rows so that it works without JavaScript.

    Empty rows of numbered lists come numbered after the last saved row; a row left as it came is
    not "changed" and is skipped on save.
    """
    formsets = []
    for prefix, (formset_class, heading, extra_new, extra_old) in SERVICE_FORMSETS.items():
        kwargs = {"units": units, "unit_choices": choices} if prefix == "stages" else {}
        formset = formset_class(data, instance=service, prefix=prefix, form_kwargs=kwargs)
        formset.extra = extra_old if service.pk else extra_new
        if prefix in _NUMBERED:
            last = max((row.order for row in formset.get_queryset()), default=0) if service.pk else 0
            formset.initial_extra = [{"order": last + i} for i in range(1, formset.extra + 1)]
        formset.heading = heading
        formset.hint = _HINTS.get(prefix, "")
        formsets.append(formset)
    return formsets


class CounterAssignmentForm(PortalForm):
    """What one counter serves and who sits at it."""

    services = forms.ModelMultipleChoiceField(
        label=_("Sub-services handled at this counter"),
        queryset=SubService.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff at this counter"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, services, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
        self.fields["services"].label_from_instance = lambda s: f"{s.title} ({s.code})"
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda s: f"{s.full_name} — {s.post}"
