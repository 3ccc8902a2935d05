"""Bimonthly audits of service desks (SPEC §6, seed 002 guide 1, annex 2).

Every two months a round opens; each national HQ and provincial unit of every body gets one form
(annex 2). The body's representative confirms or corrects the pre-filled self-declaration and
submits it; an evaluator of the province (or of the national organisation, for HQ units) verifies
it and fills the evaluator parts. Rows keep copies of what the catalog said when the round opened,
so later catalog edits never rewrite a declaration that was made.

Field names are read by apps.reports (annex 3 tables): keep them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Channel, NonElectronicReason, ServiceType
from apps.core import limits
from apps.core.jalali import Period
from apps.core.models import OutboxMessage
from apps.core.uploads import PrivateFileField

BIMONTHS = 6


def _declaration_days() -> int:
    return settings.AUDIT_DECLARATION_DAYS


def _evaluation_days() -> int:
    return settings.AUDIT_EVALUATION_DAYS


class AuditRound(models.Model):
    """One bimonthly audit round: Jalali year and bimonth (1 = Farvardin–Ordibehesht … 6 = Bahman–Esfand)."""

    year = models.PositiveSmallIntegerField(
        _("Jalali year"), validators=[MinValueValidator(1390), MaxValueValidator(1599)]
    )
    number = models.PositiveSmallIntegerField(
        _("bimonth"),
        validators=[MinValueValidator(1), MaxValueValidator(BIMONTHS)],
        help_text=_("1 = Farvardin–Ordibehesht … 6 = Bahman–Esfand."),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # Deadlines in working days (the portal's calendar: weekly days off and the Holiday table), so a
    # round that opens before Nowruz gives the bodies as many working days as any other round.
    declaration_days = models.PositiveSmallIntegerField(
        _("working days for the self-declaration"),
        default=_declaration_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Counted from the day the round opens."),
    )
    evaluation_days = models.PositiveSmallIntegerField(
        _("working days for the evaluation"),
        default=_evaluation_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Counted from the self-declaration's due date (or from a late submission)."),
    )
    declaration_due = models.DateField(_("self-declaration due"), null=True, blank=True, editable=False)
    evaluation_due = models.DateField(_("evaluation due"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit round")
        verbose_name_plural = _("audit rounds")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="audit_round_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=BIMONTHS), name="audit_round_bimonth"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def period(self) -> Period:
        return Period(self.year, "B", self.number)

    @property
    def label(self) -> str:
        """«مرداد–شهریور ۱۴۰۵» / "Mordad–Shahrivar 1405" in the page language."""
        return self.period.label()


class AuditForm(models.Model):
    """The annex 2 form of one unit in one round: the body's self-declaration and the evaluator's results."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
        VERIFIED = "verified", _("Verified")
        RETURNED = "returned", _("Returned for correction")

    # The body's part can be edited only in these states; the evaluator's part only in the next two.
    BODY_EDITABLE = frozenset({State.DRAFT, State.RETURNED})
    EVALUATOR_EDITABLE = frozenset({State.SUBMITTED, State.UNDER_EVALUATION})

    round = models.ForeignKey(
        AuditRound, on_delete=models.PROTECT, related_name="forms", verbose_name=_("audit round")
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="audit_forms",
        verbose_name=_("unit"),
        help_text=_("A national headquarters or a provincial unit."),
    )
    # A copy of unit.body: reports group by body without a join, and the form keeps the body it was declared for.
    body = models.ForeignKey(
        "orgs.Body", on_delete=models.PROTECT, related_name="audit_forms", verbose_name=_("executive body")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    declared_at = models.DateField(_("date of the declaration"), null=True, blank=True)
    # The due dates of this form: the round's, moved on for a form returned or submitted late, and
    # counted on the calendar of the unit's province.
    declaration_due = models.DateField(_("self-declaration due"), null=True, blank=True)
    evaluation_due = models.DateField(_("evaluation due"), null=True, blank=True)
    evaluated_at = models.DateField(_("date of evaluation"), null=True, blank=True)
    preparer = models.ForeignKey(
        "orgs.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    evaluator = models.ForeignKey(
        "orgs.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    improvement_points = models.TextField(_("points to improve"), blank=True, max_length=limits.TEXT)
    return_comment = models.TextField(_("why it was returned"), blank=True, max_length=limits.NOTE)
    # Optimistic lock (as on requests): every write bumps it, and a write from a page that showed an
    # older version is refused instead of silently overwriting what someone else saved meanwhile.
    version = models.PositiveIntegerField(default=0, editable=False)
    # §6: the questionnaire indices of the unit for the round's period, copied when the form was
    # opened, refreshed and submitted, so a verified form keeps the figures it was judged on.
    satisfaction = models.JSONField(_("satisfaction (§6)"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("audit form")
        verbose_name_plural = _("audit forms")
        ordering = ["-round__year", "-round__number", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="audit_form_once_per_unit")]
        indexes = [models.Index(fields=["round", "state"]), models.Index(fields=["round", "body"])]

    def __str__(self) -> str:
        return f"{self.round} — {self.unit}"

    @property
    def is_hq(self) -> bool:
        from apps.orgs.models import OrgUnit

        return self.unit.level == OrgUnit.Level.HQ

    def overdue_on(self, today) -> bool:
        """Past the due date of the part that is waiting: the body's in draft/returned, the evaluator's
        once submitted (the list annotates the same rule in SQL: selectors.audit_form_list)."""
        if self.state in self.BODY_EDITABLE:
            return self.declaration_due is not None and today > self.declaration_due
        if self.state in self.EVALUATOR_EDITABLE:
            return self.evaluation_due is not None and today > self.evaluation_due
        return False

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    @property
    def body_editable(self) -> bool:
        return self.state in self.BODY_EDITABLE

    @property
    def evaluator_editable(self) -> bool:
        return self.state in self.EVALUATOR_EDITABLE

    # §1 totals (footnote 10 of annex 2). They read self.rows.all(), so a prefetch serves them all.
    def _count(self, *channels: str) -> int:
        return sum(1 for row in self.rows.all() if row.channel in channels)

    @property
    def total_a(self) -> int:
        """a: all services."""
        return len(self.rows.all())

    @property
    def total_b(self) -> int:
        """b: delivered at the in-person desk."""
        return self._count(Channel.IN_PERSON)

    @property
    def total_c(self) -> int:
        """c: delivered at the electronic desk."""
        return self._count(Channel.ELECTRONIC)

    @property
    def total_d(self) -> int:
        """d: in-person and electronic combined."""
        return self._count(Channel.HYBRID)

    @property
    def total_e(self) -> int:
        """e: outside the desk (the applicant goes to the units)."""
        return self._count(Channel.OUTSIDE)

    @property
    def totals(self) -> dict[str, int]:
        return {"a": self.total_a, "b": self.total_b, "c": self.total_c, "d": self.total_d, "e": self.total_e}

    @property
    def ratio_in_person(self) -> float | None:
        """b / a — the evaluator's first figure of §1; None when the body has no service."""
        a = self.total_a
        return self.total_b / a if a else None

    @property
    def ratio_electronic(self) -> float | None:
        """(c + d) / a — the evaluator's second figure of §1."""
        a = self.total_a
        return (self.total_c + self.total_d) / a if a else None

    @property
    def false_channel_rows(self) -> list["AuditServiceRow"]:
        """Services whose declared channel the evaluator found to be false."""
        return [row for row in self.rows.all() if row.channel_false]

    @property
    def space_score(self) -> float | None:
        """§2 as one 0–100 figure: the mean of the evaluator's four ratings (excellent 100 … not in
        place 0); None until the evaluator rated at least one item. Annex 3 table 1 reports it."""
        points = [
            AuditSpaceItem.RATING_POINTS[i.evaluator_rating]
            for i in self.space_items.all()
            if i.evaluator_rating
        ]
        return sum(points) / len(points) if points else None


class AuditServiceRow(models.Model):
    """One sub-service on the form: §1 (where it is delivered), §3 (informing), §4 (in-person desk),
    §5 (electronic desk) as declared by the body, and the evaluator's findings on each."""

    form = models.ForeignKey(
        AuditForm, on_delete=models.CASCADE, related_name="rows", verbose_name=_("audit form")
    )
    # SET_NULL: the copies below keep the row readable if the service is ever deleted from the catalog.
    service = models.ForeignKey(
        "catalog.SubService",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_rows",
        verbose_name=_("sub-service"),
    )
    order = models.PositiveIntegerField(_("row"), default=0)
    # §1 — copies from the catalog; the body confirms or corrects channel and reason.
    code = models.CharField(_("service code"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    service_type = models.CharField(
        _("type"), max_length=3, choices=ServiceType.choices, default=ServiceType.G2C
    )
    channel = models.CharField(
        _("where it is delivered"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON
    )
    reason = models.CharField(
        _("reason it is not electronic"), max_length=12, choices=NonElectronicReason.choices, blank=True
    )
    reason_note = models.TextField(_("explanation"), blank=True, max_length=limits.NOTE)
    # §3 — informing about the service.
    offered_url = models.URLField(_("e-service page"), max_length=500, blank=True)
    website_url = models.URLField(_("information page on the website"), max_length=500, blank=True)
    signs_at_desk = models.BooleanField(_("signs at the desk"), default=False)
    phone = models.CharField(_("telephone / contact centre"), max_length=60, blank=True)
    published_steps = models.BooleanField(_("workflow steps"), default=False)
    published_documents = models.BooleanField(_("required documents"), default=False)
    published_laws = models.BooleanField(_("laws and regulations"), default=False)
    published_duration = models.BooleanField(_("duration"), default=False)
    published_fees = models.BooleanField(_("fees and how they are paid"), default=False)
    published_complaint = models.BooleanField(_("complaint procedure"), default=False)
    published_responsible = models.BooleanField(_("responsible person and unit"), default=False)
    published_faq = models.BooleanField(_("frequently asked questions"), default=False)
    # §4 — the in-person desk (in-person and hybrid services).
    receipt_with_time = models.BooleanField(_("receipt with delivery time given"), default=False)
    docs_at_request_pct = models.PositiveSmallIntegerField(
        _("documents taken at the request (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    survey_given = models.BooleanField(_("satisfaction form given"), default=False)
    # How many in-person requests of the period the §4 pre-fill was computed from (not edited).
    desk_requests = models.PositiveIntegerField(_("in-person requests in the period"), default=0)
    # §5 — the electronic desk (electronic and hybrid services).
    page_url = models.URLField(_("page of the electronic service"), max_length=500, blank=True)
    e_upload = models.BooleanField(_("electronic upload of documents"), default=False)
    e_forms = models.BooleanField(_("request by electronic forms"), default=False)
    e_delivery = models.BooleanField(_("electronic delivery"), default=False)
    tracking_code = models.BooleanField(_("tracking code given"), default=False)
    stage_tracking = models.BooleanField(_("stages tracked by the code"), default=False)
    sms = models.BooleanField(_("SMS of the stages"), default=False)
    e_survey = models.BooleanField(_("electronic survey"), default=False)
    # The evaluator's findings.
    channel_false = models.BooleanField(_("declared channel found false"), default=False)
    informing_correction = models.TextField(_("corrections to informing (§3)"), blank=True, max_length=limits.NOTE)
    desk_correction = models.TextField(_("corrections at the in-person desk (§4)"), blank=True, max_length=limits.NOTE)
    edesk_correction = models.TextField(_("corrections at the electronic desk (§5)"), blank=True, max_length=limits.NOTE)

    BODY_FIELDS_1 = ("channel", "reason", "reason_note")
    BODY_FIELDS_3 = (
        "offered_url",
        "website_url",
        "signs_at_desk",
        "phone",
        "published_steps",
        "published_documents",
        "published_laws",
        "published_duration",
        "published_fees",
        "published_complaint",
        "published_responsible",
        "published_faq",
    )
    PUBLISHED_FIELDS = BODY_FIELDS_3[4:]
    BODY_FIELDS_4 = ("receipt_with_time", "docs_at_request_pct", "survey_given")
    BODY_FIELDS_5 = (
        "page_url",
        "e_upload",
        "e_forms",
        "e_delivery",
        "tracking_code",
        "stage_tracking",
        "sms",
        "e_survey",
    )
    E_FLAGS = BODY_FIELDS_5[1:]
    EVALUATOR_FIELDS = ("channel_false", "informing_correction", "desk_correction", "edesk_correction")

    class Meta:
        verbose_name = _("service row of an audit form")
        verbose_name_plural = _("service rows of audit forms")
        ordering = ["form", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="audit_row_code_once_per_form")]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def at_in_person_desk(self) -> bool:
        """Listed in §4 (annex 2: in-person and in-person/electronic services)."""
        return self.channel in (Channel.IN_PERSON, Channel.HYBRID)

    @property
    def at_electronic_desk(self) -> bool:
        """Listed in §5 (electronic and electronic/in-person services)."""
        return self.channel in (Channel.ELECTRONIC, Channel.HYBRID)


class AuditSpaceItem(models.Model):
    """§2: one of the four items on the desk's space and staffing, rated by the body (A) and by the evaluator (B)."""

    class Item(models.IntegerChoices):
        SPACE = 1, _("Suitable space in the body for serving clients")
        CONTINUOUS = 2, _("Continuous operation of the desk through the week")
        STAFF = 3, _("Knowledgeable, competent, skilled and responsive staff assigned")
        GUIDE = 4, _("An expert who guides clients before they start and to the units when the desk approves")

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        AVERAGE = "average", _("Average")
        WEAK = "weak", _("Weak")
        NOT_IN_PLACE = "not_in_place", _("Not in place")

    RATING_POINTS = {"excellent": 100, "good": 75, "average": 50, "weak": 25, "not_in_place": 0}

    form = models.ForeignKey(
        AuditForm, on_delete=models.CASCADE, related_name="space_items", verbose_name=_("audit form")
    )
    item = models.PositiveSmallIntegerField(_("item"), choices=Item.choices)
    body_rating = models.CharField(_("rating by the body"), max_length=12, choices=Rating.choices, blank=True)
    body_note = models.TextField(_("notes of the body"), blank=True, max_length=limits.NOTE)
    evaluator_rating = models.CharField(
        _("rating by the evaluator"), max_length=12, choices=Rating.choices, blank=True
    )
    evaluator_note = models.TextField(_("notes of the evaluator"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("space and staffing item (§2)")
        verbose_name_plural = _("space and staffing items (§2)")
        ordering = ["form", "item"]
        constraints = [models.UniqueConstraint(fields=["form", "item"], name="audit_space_item_once")]

    def __str__(self) -> str:
        return self.get_item_display()


class AuditFormVersion(models.Model):
    """A verified form frozen at the moment of verification: header, rows, §2 items, §6 and the
    audit score. Reopening a form leaves its earlier verified versions readable; reports rank with
    the last one, so a recompilation gives the same figures while the form is being corrected."""

    form = models.ForeignKey(
        AuditForm, on_delete=models.CASCADE, related_name="versions", verbose_name=_("audit form")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)
    verified_by = models.ForeignKey(
        "orgs.Staff", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("verified by")
    )
    score = models.FloatField(_("audit score"), null=True, blank=True)
    sections = models.JSONField(_("section scores"), default=dict)
    data = models.JSONField(_("the form as verified"), default=dict)

    class Meta:
        verbose_name = _("verified version of an audit form")
        verbose_name_plural = _("verified versions of audit forms")
        ordering = ["form", "-number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="audit_form_version_once")]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class AuditNotice(OutboxMessage):
    """One message about an audit form to a member of staff (SMS or email). (form, staff, event,
    event_key, channel) is unique and a SENT row is never sent again, as for applicants' messages."""

    class Event(models.TextChoices):
        ROUND_OPENED = "round_opened", _("Round opened")
        DECLARATION_SOON = "declaration_soon", _("Self-declaration due soon")
        DECLARATION_OVERDUE = "declaration_late", _("Self-declaration overdue")
        SUBMITTED = "submitted", _("Form submitted")
        RETURNED = "returned", _("Form returned")
        EVALUATION_SOON = "evaluation_soon", _("Evaluation due soon")
        EVALUATION_OVERDUE = "evaluation_late", _("Evaluation overdue")
        REOPENED = "reopened", _("Form reopened")

    form = models.ForeignKey(
        AuditForm, on_delete=models.CASCADE, related_name="notices", verbose_name=_("audit form")
    )
    staff = models.ForeignKey(
        "orgs.Staff", on_delete=models.CASCADE, related_name="audit_notices", verbose_name=_("staff member")
    )
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    # event_key: the form's version for a submission or return, the due date for a reminder.

    class Meta:
        verbose_name = _("audit notice")
        verbose_name_plural = _("audit notices")
        ordering = ["form", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "staff", "event", "event_key", "channel"], name="audit_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.event} {self.channel} → {self.staff_id}"


def audit_evidence_path(instance: "AuditEvidence", filename: str) -> str:
    return f"audit-evidence/{instance.form.round.year}-{instance.form.round.number}/{instance.form_id}/{filename}"


class AuditEvidence(models.Model):
    """A photo or document the evaluator took on the site visit, attached to one section of a form
    (or to the whole form). Taken in through apps.core.uploads (type read from the content, photos
    re-encoded without their GPS tags) and served only to people who may see the form."""

    class Section(models.IntegerChoices):
        WHOLE = 0, _("The whole form")
        S1 = 1, _("§1 Where the services are delivered")
        S2 = 2, _("§2 The desk's space and staffing")
        S3 = 3, _("§3 Informing about the services")
        S4 = 4, _("§4 Services at the in-person desk")
        S5 = 5, _("§5 Services at the electronic desk")
        S6 = 6, _("§6 Applicants' satisfaction")

    form = models.ForeignKey(
        AuditForm, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("audit form")
    )
    section = models.PositiveSmallIntegerField(_("section"), choices=Section.choices, default=Section.WHOLE)
    file = PrivateFileField(_("file"), upload_to=audit_evidence_path, kind="documents")
    # The extension of the detected type (jpg, png, pdf, docx, doc): photos show as thumbnails.
    file_type = models.CharField(_("file type"), max_length=8, editable=False)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        "orgs.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence of an audit form")
        verbose_name_plural = _("evidence of audit forms")
        ordering = ["form", "section", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.get_section_display()

    @property
    def is_photo(self) -> bool:
        return self.file_type in ("jpg", "png")
