"""Integrating systems (SPEC §10, seed 003 §6-4): API keys, webhooks and their delivery log.

A key belongs to an integrating system (a body's own automation, a counter office, the national
people's-communication system). It is bound to a unit (and everything below it), to a body, or —
for the national system only — to the whole country, and carries scopes. Only a hash of the key is
kept; the administrator sees the key once, when it is issued.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import limits


class Scope(models.TextChoices):
    CATALOG_READ = "catalog:read", _("Read the catalog")
    REQUESTS_READ = "requests:read", _("Read requests")
    REQUESTS_FILE = "requests:file", _("File requests")
    STAGES_ACT = "stages:act", _("Act on stages")
    CASES_READ = "cases:read", _("Read cases")
    CASES_ACT = "cases:act", _("Register, refer and answer cases")
    REPORTS_READ = "reports:read", _("Read satisfaction indices and report figures")


class ApiKey(models.Model):
    name = models.CharField(_("integrating system"), max_length=200)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"),
        help_text=_("The key reads and acts in this unit and the units below it."),
    )
    body = models.ForeignKey(
        "orgs.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("executive body"),
        help_text=_("Or: the key reads and acts in every unit of this body."),
    )
    national = models.BooleanField(
        _("national"), default=False,
        help_text=_("Only for the national people's-communication system: the key covers the whole country."),
    )
    staff = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("acting officer"),
        help_text=_("Stage actions and case answers need an accountable officer: they are recorded in this person's name."),
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def usable(self) -> bool:
        return self.active and self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def clean(self) -> None:
        bound = [bool(self.unit_id), bool(self.body_id), self.national]
        if sum(bound) != 1:
            raise ValidationError(_("Bind the key to exactly one of: a unit, a body, or the whole country."))
        unknown = set(self.scopes or []) - set(Scope.values)
        if unknown:
            raise ValidationError({"scopes": _("Unknown scopes: %(s)s") % {"s": ", ".join(sorted(unknown))}})
        acting = {Scope.STAGES_ACT, Scope.CASES_ACT} & set(self.scopes or [])
        if acting and self.staff_id is None:
            raise ValidationError({"staff": _("Acting on stages or cases needs an acting officer.")})
        if self.staff_id and self.staff.unit_id and self.unit_id and not self.staff.unit.path.startswith(self.unit.path) \
                and not self.unit.path.startswith(self.staff.unit.path):
            raise ValidationError({"staff": _("The acting officer must work in the key's unit or above or below it.")})

    def revoke(self) -> None:
        self.active = False
        self.revoked_at = timezone.now()
        self.save(update_fields=["active", "revoked_at"])


class Event(models.TextChoices):
    REQUEST_REGISTERED = "request.registered", _("Request registered")
    STAGE_DONE = "request.stage_done", _("Stage done")
    RESPONSE_ISSUED = "request.response_issued", _("Response issued")
    DELIVERED = "request.delivered", _("Response delivered")
    CASE_REFERRED = "case.referred", _("Case referred")


class Webhook(models.Model):
    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("API key"),
                            help_text=_("Events are sent only for units the key covers."))
    url = models.URLField(_("receiver URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["key", "id"]

    def __str__(self) -> str:
        return self.url

    def save(self, *args, **kwargs) -> None:
        if not self.secret:
            import secrets

            self.secret = secrets.token_hex(32)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from apps.core.net import outbound_url_problem

        unknown = set(self.events or []) - set(Event.values)
        if unknown:
            raise ValidationError({"events": _("Unknown events: %(s)s") % {"s": ", ".join(sorted(unknown))}})
        if not self.events:
            raise ValidationError({"events": _("Choose at least one event.")})
        problem = outbound_url_problem(self.url)
        if problem:
            raise ValidationError({"url": problem})


class WebhookDelivery(models.Model):
    """One event for one webhook: sent until the receiver answers 2xx, with back-off between tries.
    `event_id` is the same on every try (and on a replay), so a receiver recognises a repeat."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="api_delivery_due", condition=models.Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.state})"
