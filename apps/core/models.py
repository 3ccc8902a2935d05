"""Cross-cutting records: the holiday calendar and the append-only change log."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core import jalali, limits


class OutboxMessage(models.Model):
    """One SMS or email waiting to leave, sent at most once (apps.core.messaging.outbox_row_deliver):
    an applicant's notification, an audit notice. Each table adds what the message is about and
    the unique key that keeps one event from being told twice."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Tells repeated events apart (stage 2 done vs stage 3 done, one due date from another); empty
    # for one-off events.
    event_key = models.CharField(max_length=40, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    # An email's subject, a blank line, then its text.
    body = models.TextField(_("message"), max_length=limits.TEXT)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(blank=True, max_length=limits.NOTE)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


class Holiday(models.Model):
    """An official day off. This table, not the `holidays` package, is the truth at run time:
    lunar holidays move with moon sighting after calendars are printed, so admins correct it."""

    class Kind(models.TextChoices):
        SOLAR = "solar", _("Solar (fixed)")
        LUNAR = "lunar", _("Lunar (religious)")
        SPECIAL = "special", _("One-off closure")

    date = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SOLAR)
    province = models.ForeignKey(
        "orgs.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty for a nationwide holiday; set for a closure in one province only."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "province"], name="holiday_unique_per_province"),
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(province__isnull=True), name="holiday_unique_national"
            ),
        ]

    def __str__(self) -> str:
        return f"{jalali.format_date(self.date)} {self.title}"


class ChangeRecord(models.Model):
    """One state change of any object: who, when, what, before and after. Never updated."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("object type"))
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Change records are append-only.")
        super().save(*args, **kwargs)


def file_job_path(instance: "FileJob", filename: str) -> str:
    # A random name under a folder per day: the purge removes whole days, and no name says whose file it is.
    return f"jobs/{instance.created_at:%Y/%m/%d}/{filename}"


class FileJob(models.Model):
    """A file someone asked for that takes too long to make within a web request (a unit's QR cards,
    a large Excel export or import, an audit form's PDF): made by a Celery task while a page shows its
    progress, kept in private storage for the one who asked until `expires_at` (apps.core.filejobs)."""

    class Kind(models.TextChoices):
        QR_CARDS = "qr_cards", _("Staff QR cards")
        CATALOG_EXPORT = "catalog_export", _("Catalog workbook")
        DASHBOARD_EXPORT = "dashboard_export", _("Satisfaction dashboard workbook")
        AUDIT_FORM = "audit_form", _("Audit form (PDF)")
        CATALOG_IMPORT = "catalog_import", _("Catalog import")

    class State(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    # What to make, as the page that asked parsed it (ids, filters); the job scopes it again to the
    # one who asked when it runs.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to=file_job_path, blank=True, max_length=200)
    filename = models.CharField(_("download name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("file being made")
        verbose_name_plural = _("files being made")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
