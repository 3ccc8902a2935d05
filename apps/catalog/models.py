"""The sub-service catalog of each body and its information document (SPEC §3).

A sub-service (زیرخدمت) carries everything the public information document publishes, and its
table 1 workflow stages, whose agreed durations give the promised date on a receipt.

A sub-service is in the catalog from `valid_from` to `valid_until` (both days included), and its
channel, type and whether it is offered are kept by date in `ServiceState`, so that "the services of
body X on day D" can be answered for any past day (apps.catalog.selectors.services_on): reports of a
past period and audit rounds count the catalog as it stood then, not as it stands today.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import limits, worktime
from apps.core.text import search_key
from apps.core.uploads import PrivateFileField


class ServiceType(models.TextChoices):
    G2C = "G2C", _("G2C — to citizens")
    G2B = "G2B", _("G2B — to businesses")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In-person desk")
    ELECTRONIC = "electronic", _("Electronic desk")
    HYBRID = "hybrid", _("In-person and electronic")
    OUTSIDE = "outside", _("Outside the desk")


class NonElectronicReason(models.TextChoices):
    LAW_REQUIRES_PRESENCE = "law", _("A law requires physical presence")
    DIGITISATION_UNDER_WAY = "digitisation", _("Digitisation is under way")
    INTERNAL_PROCESS = "internal", _("The whole process stays inside the body")


class SubService(models.Model):
    body = models.ForeignKey("orgs.Body", on_delete=models.PROTECT, related_name="services", verbose_name=_("executive body"))
    code = models.CharField(_("service code"), max_length=30, help_text=_("The code of the national service catalog."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=limits.TEXT)
    service_type = models.CharField(_("type"), max_length=3, choices=ServiceType.choices, default=ServiceType.G2C)
    channel = models.CharField(_("delivery channel"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON)
    non_electronic_reason = models.CharField(
        _("reason it is not electronic"), max_length=12, choices=NonElectronicReason.choices, blank=True
    )
    non_electronic_note = models.TextField(_("explanation"), blank=True, max_length=limits.NOTE)
    eservice_url = models.URLField(_("e-service page"), blank=True)
    addresses = models.TextField(_("where it is offered"), blank=True, help_text=_("Physical addresses, one per line."), max_length=limits.NOTE)
    average_duration = models.DecimalField(
        _("declared average duration"), max_digits=6, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    average_duration_unit = models.CharField(
        _("unit of the average duration"), max_length=14, choices=worktime.DURATION_UNITS, default=worktime.WORKING_DAY
    )
    responsible_name = models.CharField(_("responsible person"), max_length=200, blank=True)
    responsible_contact = models.CharField(_("how to contact them"), max_length=200, blank=True)
    complaint_procedure = models.TextField(_("complaint procedure"), blank=True, max_length=limits.TEXT)
    units = models.ManyToManyField("orgs.OrgUnit", blank=True, related_name="services", verbose_name=_("units that offer it"))
    counters = models.ManyToManyField("orgs.Counter", blank=True, related_name="services", verbose_name=_("counters"))
    active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(
        _("in the catalog from"), default=timezone.localdate,
        help_text=_("The first day the service is offered; reports of earlier periods do not count it."),
    )
    valid_until = models.DateField(
        _("in the catalog until"), null=True, blank=True,
        help_text=_("The last day the service is offered; empty while it still is."),
    )
    search_text = models.TextField(editable=False, default="", db_index=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sub-service")
        verbose_name_plural = _("sub-services")
        ordering = ["body_id", "code"]
        constraints = [models.UniqueConstraint(fields=["body", "code"], name="service_code_unique_per_body")]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def save(self, *args, **kwargs) -> None:
        # One normalised key lets search ignore ي/ی, ك/ک, ZWNJ and digit style in a single LIKE.
        self.search_text = search_key(" ".join([self.code, self.title, self.description]))
        adding = self._state.adding
        super().save(*args, **kwargs)
        # `changes_from` (set by the editor's form, not a column) dates a change; today otherwise.
        self.states_keep(new=adding, effective=getattr(self, "changes_from", None))

    def states_keep(self, *, effective: dt.date | None = None, new: bool = False) -> None:
        """Keep the dated history in step with the row: the first state starts on `valid_from`, and a
        change of channel, type or `active` is in force from `effective` (today; never before
        `valid_from`). Several changes on one day leave one state, the last."""
        values = {name: getattr(self, name) for name in ServiceState.TRACKED}
        states = [] if new else list(self.states.order_by("effective_from"))
        if not states:
            ServiceState.objects.create(service=self, effective_from=self.valid_from, **values)
            return
        first = states[0]
        if first.effective_from > self.valid_from:
            # Moved earlier: the service was offered as first recorded from its new first day.
            first.effective_from = self.valid_from
            first.save(update_fields=["effective_from"])
        day = max(effective or timezone.localdate(), self.valid_from)
        current = [s for s in states if s.effective_from <= day][-1:] or [first]
        if all(getattr(current[0], name) == value for name, value in values.items()):
            return
        # A change dated today supersedes states someone had dated after it.
        self.states.filter(effective_from__gt=day).delete()
        ServiceState.objects.update_or_create(service=self, effective_from=day, defaults=values)

    def clean_dates(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The last day cannot come before the first day.")})

    @property
    def is_electronic(self) -> bool:
        return self.channel in (Channel.ELECTRONIC, Channel.HYBRID)

    def clean(self) -> None:
        self.clean_dates()
        if self.channel == Channel.ELECTRONIC:
            if self.non_electronic_reason:
                raise ValidationError({"non_electronic_reason": _("An electronic service needs no reason.")})
        elif not self.non_electronic_reason:
            raise ValidationError({"non_electronic_reason": _("Choose why this service is not fully electronic.")})
        if self.is_electronic and not self.eservice_url:
            raise ValidationError({"eservice_url": _("Give the address of the e-service page.")})


class ServiceState(models.Model):
    """What a service was from a day on: its channel (and why it is not electronic), its type and
    whether it was offered. The state in force on day D is the latest one dated D or earlier
    (SubService.states_keep writes them)."""

    TRACKED = ("channel", "non_electronic_reason", "service_type", "active")

    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="states", verbose_name=_("sub-service"))
    effective_from = models.DateField(_("in force from"))
    channel = models.CharField(_("delivery channel"), max_length=12, choices=Channel.choices)
    non_electronic_reason = models.CharField(
        _("reason it is not electronic"), max_length=12, choices=NonElectronicReason.choices, blank=True
    )
    service_type = models.CharField(_("type"), max_length=3, choices=ServiceType.choices)
    active = models.BooleanField(_("active"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("state of a sub-service")
        verbose_name_plural = _("states of the sub-service by date")
        ordering = ["service", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["service", "effective_from"], name="service_state_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.effective_from}: {self.channel}"


class WorkflowStage(models.Model):
    """A row of table 1: stage, responsible unit and post, agreed duration."""

    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="stages", verbose_name=_("sub-service"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("stage"), max_length=300)
    responsible_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit")
    )
    responsible_post = models.CharField(_("responsible post"), max_length=200)
    duration = models.DecimalField(
        _("agreed duration"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    duration_unit = models.CharField(
        _("unit"), max_length=14, choices=worktime.DURATION_UNITS[:2], default=worktime.WORKING_DAY
    )

    class Meta:
        verbose_name = _("workflow stage")
        verbose_name_plural = _("workflow stages (table 1)")
        ordering = ["service", "order"]
        constraints = [models.UniqueConstraint(fields=["service", "order"], name="stage_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def clean(self) -> None:
        if self.duration_unit == worktime.WORKING_DAY and self.duration is not None and self.duration % 1:
            raise ValidationError({"duration": _("Working days are whole numbers; use hours for parts of a day.")})
        if self.responsible_unit_id and self.service_id and self.responsible_unit.body_id != self.service.body_id:
            raise ValidationError({"responsible_unit": _("The responsible unit must belong to the service's body.")})


class RequiredDocument(models.Model):
    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        BOTH = "both", _("Original and copy")

    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="documents", verbose_name=_("sub-service"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("document"), max_length=300)
    form = models.CharField(_("original or copy"), max_length=8, choices=Form.choices, default=Form.COPY)
    upload_required = models.BooleanField(_("must be uploaded"), default=False)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["service", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Inquiry(models.Model):
    """An inquiry (استعلام) the body obtains itself: the applicant is never sent to fetch it."""

    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="inquiries", verbose_name=_("sub-service"))
    title = models.CharField(_("inquiry"), max_length=300)
    answering_body = models.CharField(_("body that answers it"), max_length=300)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["service", "id"]

    def __str__(self) -> str:
        return self.title


class Fee(models.Model):
    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="fees", verbose_name=_("sub-service"))
    title = models.CharField(_("fee"), max_length=300)
    amount_rials = models.PositiveBigIntegerField(_("amount (rials)"))
    account = models.CharField(_("bank account or IBAN"), max_length=64)
    legal_basis = models.CharField(_("legal basis"), max_length=400)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["service", "id"]

    def __str__(self) -> str:
        return self.title


class LawReference(models.Model):
    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="laws", verbose_name=_("sub-service"))
    title = models.CharField(_("law or regulation"), max_length=400)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("law or regulation")
        verbose_name_plural = _("laws and regulations")
        ordering = ["service", "id"]

    def __str__(self) -> str:
        return self.title


class FAQ(models.Model):
    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="faqs", verbose_name=_("sub-service"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    question = models.CharField(_("question"), max_length=400)
    answer = models.TextField(_("answer"), max_length=limits.TEXT)

    class Meta:
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")
        ordering = ["service", "order", "id"]

    def __str__(self) -> str:
        return self.question


def service_form_path(instance: "ServiceForm", filename: str) -> str:
    return f"service-forms/{instance.service_id}/{filename}"


class ServiceForm(models.Model):
    """A form or letter template the applicant downloads (published, so served without login)."""

    service = models.ForeignKey(SubService, on_delete=models.CASCADE, related_name="forms", verbose_name=_("sub-service"))
    title = models.CharField(_("form or template"), max_length=300)
    file = PrivateFileField(_("file"), upload_to=service_form_path, kind="documents")

    class Meta:
        verbose_name = _("form or letter template")
        verbose_name_plural = _("forms and letter templates")
        ordering = ["service", "id"]

    def __str__(self) -> str:
        return self.title
