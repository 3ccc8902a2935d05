"""Service-desk requests (SPEC §4): intake, receipt, routing through stages, response, delivery,
notifications and queue tickets.

A request copies its workflow stages from the catalog's table 1 at registration, so later catalog
edits never change requests in flight. Every move is kept in the append-only RequestEvent history.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import limits, worktime
from apps.core.models import OutboxMessage
from apps.core.uploads import PrivateFileField


class ServiceRequest(models.Model):
    class Channel(models.TextChoices):
        DESK = "desk", _("At the desk")
        ONLINE = "online", _("Online (e-desk)")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold for an inquiry")
        ANSWERED = "answered", _("Response ready")
        DELIVERED = "delivered", _("Delivered")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        REFERRED = "referred", _("Referred to another authority")

    tracking_code = models.CharField(_("tracking code"), max_length=11, unique=True)
    service = models.ForeignKey("catalog.SubService", on_delete=models.PROTECT, related_name="requests", verbose_name=_("sub-service"))
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="requests", verbose_name=_("desk unit"),
        help_text=_("The unit whose desk received the request."),
    )
    counter = models.ForeignKey("orgs.Counter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("counter"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.DESK)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)

    national_code = models.CharField(_("national code"), max_length=10, db_index=True)
    legal_id = models.CharField(_("legal entity national ID"), max_length=11, blank=True)
    legal_name = models.CharField(
        _("legal entity's name"), max_length=200, blank=True,
        help_text=_("For a service to legal entities: the company or institution; the person is its representative."),
    )
    full_name = models.CharField(_("applicant's full name"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=11)
    email = models.EmailField(_("email"), blank=True)

    incomplete_reason = models.TextField(
        _("why it was registered with documents missing"), blank=True,
        help_text=_("Missing documents are reported at intake and only at intake."), max_length=limits.NOTE,
    )
    registered_by = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="registered_requests", verbose_name=_("clerk")
    )
    queue_ticket = models.ForeignKey(
        "desk.QueueTicket", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests",
        verbose_name=_("queue ticket"), help_text=_("The ticket the applicant was called with, so waiting and service times join up."),
    )
    response_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="requests_to_answer",
        verbose_name=_("unit that issues the response"),
        help_text=_("The unit of the last stage: its officers and supervisors issue the response (table 4)."),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    promised_at = models.DateTimeField(_("promised response date"))
    first_stage_at = models.DateTimeField(_("sent to the first stage"), null=True, blank=True)
    stages_done_at = models.DateTimeField(
        _("every stage done"), null=True, blank=True, editable=False,
        help_text=_("Set when the last stage is completed: the request then waits for its response."),
    )
    answered_at = models.DateTimeField(_("response issued"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("response delivered"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="delivered_requests", verbose_name=_("delivered by")
    )
    collected_by_name = models.CharField(_("collected by"), max_length=200, blank=True)
    collected_by_national_code = models.CharField(_("collector's national code"), max_length=10, blank=True)
    updated_at = models.DateTimeField(
        _("last changed"), default=timezone.now, db_default=Now(), editable=False,
        help_text=_("Set by every transition (Open311's updated_datetime, the API's ordering)."),
    )
    # Optimistic lock: every transition bumps it, and a transition that finds it changed loses.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["unit", "status", "-received_at"]),
            models.Index(fields=["registered_by", "received_at"]),
            models.Index(fields=["service", "national_code"]),
            # The dashboard's lists and counters read only live requests (a few per cent of the archive):
            # partial indexes keep them in the order the lists show, so a page reads ten rows, not all.
            models.Index(
                fields=["unit", "status", "promised_at"], name="desk_sr_live",
                condition=models.Q(status__in=["registered", "in_progress", "on_hold", "answered"]),
            ),
            models.Index(
                fields=["promised_at"], name="desk_sr_awaiting_response",
                condition=models.Q(status="in_progress", stages_done_at__isnull=False),
            ),
            models.Index(fields=["answered_at"], name="desk_sr_to_deliver", condition=models.Q(status="answered")),
            models.Index(
                fields=["promised_at"], name="desk_sr_open_by_promise",
                condition=models.Q(status__in=["registered", "in_progress", "on_hold"]),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.ANSWERED, self.Status.DELIVERED)

    @property
    def is_overdue(self) -> bool:
        end = self.answered_at or timezone.now()
        return end > self.promised_at


class RequestDocument(models.Model):
    """A required document at intake: ticked as received, with its scan if uploaded."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="documents", verbose_name=_("request"))
    required = models.ForeignKey("catalog.RequiredDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("document"), max_length=300)
    received = models.BooleanField(_("received"), default=False)
    file = PrivateFileField(_("scan"), upload_to="request-docs/%Y/%m/", blank=True, kind="scans")
    content_type = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("request document")
        verbose_name_plural = _("request documents")
        ordering = ["request", "id"]

    def __str__(self) -> str:
        return self.title


class RequestStage(models.Model):
    """A stage of one request, copied from table 1 at registration."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACTIVE = "active", _("In the unit's inbox")
        ON_HOLD = "on_hold", _("On hold")
        DONE = "done", _("Done")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="stages", verbose_name=_("request"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("stage"), max_length=300)
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="request_stages", verbose_name=_("responsible unit"))
    responsible_post = models.CharField(_("responsible post"), max_length=200)
    duration = models.DecimalField(_("agreed duration"), max_digits=6, decimal_places=1)
    duration_unit = models.CharField(_("unit"), max_length=14, choices=worktime.DURATION_UNITS)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    finished_by = models.ForeignKey("orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("finished by"))
    note = models.TextField(_("result"), blank=True, max_length=limits.NOTE)
    escalated = models.BooleanField(_("escalated"), default=False)
    escalated_to = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalated_stages",
        verbose_name=_("escalated to"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request stage")
        verbose_name_plural = _("request stages")
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="request_stage_order_unique")]
        indexes = [
            models.Index(fields=["unit", "state", "due_at"]),
            # The inboxes read only the stages waiting for someone (a few per cent of all stage rows): the
            # earliest due first across the units of a scope, and the counters as index-only scans.
            models.Index(fields=["due_at", "id"], name="desk_stage_inbox", condition=models.Q(state__in=["active", "on_hold"])),
            models.Index(
                fields=["unit", "due_at"], name="desk_stage_inbox_unit", condition=models.Q(state__in=["active", "on_hold"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.order} {self.title}"

    @property
    def is_overdue(self) -> bool:
        if self.due_at is None:
            return False
        return (self.finished_at or timezone.now()) > self.due_at


def stage_file_path(instance: "StageFile", filename: str) -> str:
    return f"stage-files/{instance.stage.request_id}/{filename}"


class StageFile(models.Model):
    stage = models.ForeignKey(RequestStage, on_delete=models.CASCADE, related_name="files", verbose_name=_("stage"))
    file = PrivateFileField(_("file"), upload_to=stage_file_path, kind="scans")
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    uploaded_by = models.ForeignKey("orgs.Staff", null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stage file")
        verbose_name_plural = _("stage files")

    def __str__(self) -> str:
        return self.file.name


class RequestEvent(models.Model):
    """Append-only history of a request: who did what, when, from which state to which."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request"))
    stage = models.ForeignKey(
        RequestStage, null=True, blank=True, on_delete=models.CASCADE, related_name="events", verbose_name=_("stage")
    )
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request history")
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Request history is append-only.")
        super().save(*args, **kwargs)


class Response(models.Model):
    """Table 4 (ابلاغ پاسخ خدمت): the formal response to a request."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="response", verbose_name=_("request"))
    number = models.CharField(_("response number"), max_length=30, unique=True)
    issued_at = models.DateTimeField(_("response date"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ServiceRequest.Outcome.choices)
    content = models.TextField(_("main content"), max_length=limits.DOCUMENT)
    legal_basis = models.TextField(_("legal basis and reasoning"), max_length=limits.DOCUMENT)
    appeal_authority = models.CharField(_("authority for appeal"), max_length=300, blank=True)
    appeal_deadline = models.CharField(_("deadline for appeal"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=limits.NOTE)
    issuer_name = models.CharField(_("issuer"), max_length=200)
    issuer_post = models.CharField(_("issuer's post"), max_length=200)
    issued_by = models.ForeignKey(
        "orgs.Staff", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )

    class Meta:
        verbose_name = _("response notice")
        verbose_name_plural = _("response notices")

    def __str__(self) -> str:
        return self.number


class Notification(OutboxMessage):
    """One message to an applicant. (request, event, channel) is unique, so a retried task or a
    repeated transition never sends the same news twice."""

    class Event(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        STAGE_DONE = "stage_done", _("Stage done")
        ON_HOLD = "on_hold", _("On hold")
        RESPONSE_READY = "response_ready", _("Response ready")
        DELIVERED = "delivered", _("Delivered")
        OVERDUE = "overdue", _("Overdue")
        DOCUMENT_NEEDED = "document_needed", _("Document needed")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("request"))
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["request", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "event", "event_key", "channel"], name="notification_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.event} {self.channel}"


class QueueTicket(models.Model):
    """A queue number (نوبت) issued at the kiosk for a counter or a sub-service, per day."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("Did not come")

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="queue_tickets", verbose_name=_("desk unit"))
    counter = models.ForeignKey("orgs.Counter", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("counter"))
    service = models.ForeignKey("catalog.SubService", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("sub-service"))
    day = models.DateField(_("day"), db_index=True)
    number = models.PositiveIntegerField(_("number"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.WAITING)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    called_to = models.ForeignKey("orgs.Counter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("called to counter"))
    called_by = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("called by")
    )

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["day", "number"]
        constraints = [models.UniqueConstraint(fields=["unit", "day", "number"], name="ticket_number_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.day} #{self.number}"


class PhoneVerification(models.Model):
    """A one-time code sent to a mobile before an online submission. Only the code's hash is kept."""

    mobile = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mobile verification")
        verbose_name_plural = _("mobile verifications")

    def __str__(self) -> str:
        return f"{self.mobile} ({'verified' if self.verified_at else 'unverified'})"


class RequestDay(models.Model):
    """The requests of one sub-service at one unit, counted on one Tehran day: received (and of those
    online), answered (and of those by the promised date) and delivered, each on the day it happened
    (apps.desk.rollups). The periodic reports add these up instead of reading every request."""

    day = models.DateField(_("day"))
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    service = models.ForeignKey(
        "catalog.SubService", on_delete=models.PROTECT, related_name="+", verbose_name=_("sub-service")
    )
    received = models.IntegerField(_("received"), default=0)
    online = models.IntegerField(_("received online"), default=0)
    answered = models.IntegerField(_("answered"), default=0)
    on_time = models.IntegerField(_("answered by the promised date"), default=0)
    delivered = models.IntegerField(_("delivered"), default=0)

    class Meta:
        verbose_name = _("daily requests")
        verbose_name_plural = _("daily requests")
        constraints = [models.UniqueConstraint(fields=["day", "unit", "service"], name="requestday_key")]
        indexes = [models.Index(fields=["unit", "day"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} service {self.service_id}: {self.received} received"
