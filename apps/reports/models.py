"""Periodic oversight reports (SPEC §7): one stored, reproducible compilation per kind, Jalali period
and scope, with its frozen figures and its PDF and Excel files.

The figures are a JSON snapshot taken from rows whose timestamps fall inside the period, so compiling
a finished period again gives the same JSON; the files are rendered from that JSON, never from live
data, so a downloaded PDF always says what the stored figures say.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core import limits
from apps.core.jalali import Period


def report_file_path(instance: "Report", filename: str) -> str:
    return f"reports/{instance.period}/{filename}"


class Report(models.Model):
    class Kind(models.TextChoices):
        QUARTERLY_BODY = "quarterly_body", _("Quarterly report of a body")
        QUARTERLY_COUNTY = "quarterly_county", _("Quarterly report of a county")
        QUARTERLY_PROVINCE = "quarterly_province", _("Quarterly report of a province")
        BIMONTHLY_AUDIT = "bimonthly_audit", _("Bimonthly audit summary (annex 3)")
        HALFYEAR_NATIONAL = "halfyear_national", _("Six-monthly national compilation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Compiling")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period = models.CharField(
        _("period"), max_length=7, help_text=_("A Jalali period: 1405-Q2, 1405-B3 or 1405-H1.")
    )
    # At most one of the three is set; none means the whole country.
    body = models.ForeignKey(
        "orgs.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("executive body"),
    )
    county = models.ForeignKey(
        "orgs.County",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("county"),
    )
    province = models.ForeignKey(
        "orgs.Province",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province"),
    )
    # "national", "province:7", "county:12" or "body:3": NULLs are never equal in a unique index, so
    # the uniqueness of (kind, period, scope) is kept on this one non-null column.
    scope_key = models.CharField(_("scope"), max_length=30, editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    figures = models.JSONField(_("figures"), null=True, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to=report_file_path, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to=report_file_path, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=limits.TEXT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty when the schedule compiled it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period", "kind", "scope_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "scope_key"], name="report_once_per_kind_period_scope"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(body__isnull=True, county__isnull=True)
                    | models.Q(body__isnull=True, province__isnull=True)
                    | models.Q(county__isnull=True, province__isnull=True)
                ),
                name="report_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.period_label} ({self.scope_key})"

    def save(self, *args, **kwargs) -> None:
        self.scope_key = self.scope.key
        super().save(*args, **kwargs)

    @property
    def period_label(self) -> str:
        """The period in words («آذر–دی ۱۴۰۵»), for the places that print a report's name."""
        try:
            return Period.parse(self.period).label()
        except ValueError:
            return self.period

    @property
    def scope(self):
        from apps.reports.scopes import Scope

        if self.body_id:
            return Scope(Scope.BODY, self.body_id)
        if self.county_id:
            return Scope(Scope.COUNTY, self.county_id)
        if self.province_id:
            return Scope(Scope.PROVINCE, self.province_id)
        return Scope(Scope.NATIONAL, None)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
