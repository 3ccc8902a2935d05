"""People's communication cases (SPEC §8, the Samad charter): the seven types a desk registers
beside service requests, each with its own details, a tracking code, a due time and a timeline.

A case is registered only through apps.cases.services.case_register; the fields of one type stay empty
on the others, and `clean()` says which are missing or do not belong.
"""

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import limits
from apps.core.models import OutboxMessage
from apps.core.uploads import PrivateFileField
from apps.core.validators import validate_mobile, validate_national_code


class CaseType(models.TextChoices):
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("People's report")
    CONSULTATION = "consultation", _("Consultation and guidance")
    FEELINGS = "feelings", _("Expression of feelings")
    IDEA = "idea", _("Idea or suggestion")
    THANKS = "thanks", _("Thanks")


# Working days to answer each type until the administrator sets them (CaseTypeSetting). These are
# the portal's defaults, not the charter's: the charter (seed 003) gives no time per type.
DEFAULT_DUE_WORKING_DAYS: dict[str, int] = {
    CaseType.REQUEST: 10,
    CaseType.COMPLAINT: 10,
    CaseType.REPORT: 7,
    CaseType.CONSULTATION: 3,
    CaseType.FEELINGS: 5,
    CaseType.IDEA: 30,
    CaseType.THANKS: 5,
}


class Case(models.Model):
    """A case (مورد) registered at a people's communication desk."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County (the governorate's desk)")
        PROVINCE = "province", _("Province (a provincial body's desk)")
        BODY = "body", _("Body (a ministry or national organisation)")
        NATIONAL = "national", _("National (the centre)")

    class Channel(models.TextChoices):
        DESK = "desk", _("At the desk")
        PHONE = "phone", _("By phone")
        ONLINE = "online", _("Online")

    class State(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REFERRED = "referred", _("Referred")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    tracking_code = models.CharField(_("tracking code"), max_length=11, unique=True)
    type = models.CharField(_("case type"), max_length=12, choices=CaseType.choices, db_index=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.DESK)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REGISTERED, db_index=True)

    national_code = models.CharField(_("national code"), max_length=10, db_index=True, validators=[validate_national_code])
    full_name = models.CharField(_("applicant's full name"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    email = models.EmailField(_("email"), blank=True)

    subject = models.CharField(_("subject"), max_length=200)
    # A TextField's max_length binds only forms; the validator binds the service too (full_clean).
    description = models.TextField(
        _("description"), max_length=limits.TEXT, validators=[MaxLengthValidator(limits.TEXT)]
    )

    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="cases", verbose_name=_("registered at"),
        help_text=_("The unit whose people's communication desk registered the case."),
    )
    body = models.ForeignKey(
        "orgs.Body", on_delete=models.PROTECT, related_name="cases", verbose_name=_("executive body"),
        help_text=_("The body the case is addressed to."),
    )
    # Where the case is worked now: the registering unit, the unit the complaint hierarchy chose, or
    # the unit it was last referred to. Inboxes and scoping follow this as well as `unit`.
    handling_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="handled_cases", verbose_name=_("handled by"),
    )
    routing_note = models.CharField(_("why this unit"), max_length=300, blank=True)
    # What the desk registered it under: one of the body's catalog services or duties (charter 3-8).
    service = models.ForeignKey(
        "catalog.SubService", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("service"),
    )
    duty = models.ForeignKey(
        "orgs.BodyDuty", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("duty"),
    )
    registered_by = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="registered_cases",
        verbose_name=_("registered by"), help_text=_("Empty when the citizen registered the case online."),
    )

    # Complaint: whom it is about. The official's post is what the complaint hierarchy routes on.
    complained_body = models.ForeignKey(
        "orgs.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints",
        verbose_name=_("body complained about"),
    )
    complained_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints",
        verbose_name=_("unit complained about"),
    )
    official = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints_against",
        verbose_name=_("official complained about"),
    )
    official_name = models.CharField(_("official complained about"), max_length=200, blank=True)
    official_post = models.CharField(_("official's post"), max_length=200, blank=True)

    # People's report: where and when it happened.
    place = models.CharField(_("place"), max_length=300, blank=True)
    happened_at = models.DateTimeField(_("when it happened"), null=True, blank=True)

    # Thanks: the employee thanked.
    employee = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="thanks",
        verbose_name=_("employee thanked"),
    )

    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("registered"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # The applicant's link (closing SMS) to rate the handling and, for a complaint, to object once.
    link_token = models.CharField(max_length=43, unique=True, editable=False)
    rating = models.PositiveSmallIntegerField(
        _("rating of the handling"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    objected_at = models.DateTimeField(_("objected"), null=True, blank=True)
    objection = models.TextField(_("objection"), blank=True, max_length=limits.NOTE, validators=[MaxLengthValidator(limits.NOTE)])

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["unit", "state", "-created_at"]),
            models.Index(fields=["handling_unit", "state", "-created_at"]),
            # The inboxes (open cases by due time: a unit's, and every open case for the centre) and
            # the reports' objections; partial, so they hold only the few rows they serve (bench/).
            models.Index(
                fields=["handling_unit", "due_at", "id"], name="case_open_inbox",
                condition=~models.Q(state__in=["answered", "closed"]),
            ),
            models.Index(
                fields=["due_at", "id"], name="case_open_by_due", condition=~models.Q(state__in=["answered", "closed"]),
            ),
            models.Index(fields=["objected_at"], name="case_objected", condition=models.Q(objected_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    # Which optional fields belong to which type; every other type leaves them empty.
    TYPE_FIELDS = {
        CaseType.COMPLAINT: ("complained_body", "complained_unit", "official", "official_name", "official_post"),
        CaseType.REPORT: ("place", "happened_at"),
        CaseType.THANKS: ("employee",),
    }

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.type == CaseType.COMPLAINT:
            if self.complained_unit_id and not self.complained_body_id:
                self.complained_body_id = self.complained_unit.body_id
            if not self.complained_body_id:
                errors["complained_body"] = _("A complaint names the body or unit it is about.")
            elif self.complained_unit_id and self.complained_unit.body_id != self.complained_body_id:
                errors["complained_unit"] = _("The unit complained about is not a unit of the body complained about.")
            if self.official_id and self.complained_unit_id and self.official.unit_id != self.complained_unit_id:
                errors["official"] = _("The official complained about does not work at the unit complained about.")
            if self.official_name.strip() and not self.official_post.strip():
                errors["official_post"] = _("Give the post of the official complained about; it decides who handles the complaint.")
        elif self.type == CaseType.REPORT:
            if not self.place.strip():
                errors["place"] = _("A people's report names the place where it happened.")
            if self.happened_at and self.happened_at > timezone.now():
                errors["happened_at"] = _("The time of a report cannot be in the future.")
        elif self.type == CaseType.THANKS and not self.employee_id:
            errors["employee"] = _("Thanks name the employee being thanked.")
        own = self.TYPE_FIELDS.get(self.type, ())
        for case_type, fields in self.TYPE_FIELDS.items():
            for name in fields:
                if name not in own and getattr(self, name) not in (None, "") and name not in errors:
                    errors[name] = _("This field is only for a %(type)s.") % {"type": CaseType(case_type).label}
        if errors:
            raise ValidationError(errors)

    @property
    def is_overdue(self) -> bool:
        return self.state not in (self.State.ANSWERED, self.State.CLOSED) and timezone.now() > self.due_at

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.ANSWERED, self.State.CLOSED)

    @property
    def may_object(self) -> bool:
        """A complainant may object once to a closed complaint (charter 10-3)."""
        return self.type == CaseType.COMPLAINT and self.state == self.State.CLOSED and self.objected_at is None


class CaseTypeSetting(models.Model):
    """The administrator's due time for one case type; a type without a row uses the default in code."""

    type = models.CharField(_("case type"), max_length=12, choices=CaseType.choices, unique=True)
    due_working_days = models.PositiveSmallIntegerField(
        _("due in working days"), validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Working days from registration to the answer; holidays and weekly days off do not count."),
    )

    class Meta:
        verbose_name = _("case type setting")
        verbose_name_plural = _("case type settings")
        ordering = ["type"]

    def __str__(self) -> str:
        return str(self.get_type_display())


class CaseEvent(models.Model):
    """One line of a case's timeline; append-only."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REFERRED = "referred", _("Referred")
        ACTION = "action", _("Action taken")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        RATED = "rated", _("Rated by the applicant")
        OBJECTED = "objected", _("Objection: reopened one level up")
        IDEA_REVIEW = "idea_review", _("Reviewed by the ideas working group")
        IDEA_RESULT = "idea_result", _("Result of the competent body's review")

    class ReferralKind(models.TextChoices):
        UNIT = "unit", _("To another unit of the same body")
        BODY = "body", _("To the competent body")
        UPWARD = "upward", _("Upward, to the ministry")
        DUTIES = "duties", _("Outside the desk's duties, to the competent body")
        HIERARCHY = "hierarchy", _("Complaint hierarchy")
        OBJECTION = "objection", _("Objection, one level up")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"),
        help_text=_("Empty for what the citizen or the system did."),
    )
    note = models.TextField(_("note"), blank=True, max_length=limits.NOTE)
    # A referral's units (kinds REFERRED and OBJECTED): from where to where, and why it moved.
    from_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"),
    )
    to_unit = models.ForeignKey(
        "orgs.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"),
    )
    referral_kind = models.CharField(_("kind of referral"), max_length=10, choices=ReferralKind.choices, blank=True)
    # Whether the applicant is told of this line (SMS, email): internal notes are not news.
    public = models.BooleanField(_("told to the applicant"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_kind_display()}"


class CaseResponse(models.Model):
    """The written response that closes a case (the last one counts; an objection asks for another)."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected, with reasoning")
        REFERRED_OUTSIDE = "outside", _("Referred outside the system")
        ANSWERED = "answered", _("Answered / guided")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="responses", verbose_name=_("case"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    text = models.TextField(_("response"), max_length=limits.TEXT, validators=[MaxLengthValidator(limits.TEXT)])
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by unit"))
    by = models.ForeignKey("orgs.Staff", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("case response")
        verbose_name_plural = _("case responses")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_outcome_display()}"


def case_attachment_path(instance: "CaseAttachment", filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    """A file the applicant gave with the case: PDF, JPEG or PNG only, checked by content."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case"))
    file = PrivateFileField(_("file"), upload_to=case_attachment_path, kind="scans")
    name = models.CharField(_("file name"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return self.name


class CaseNotification(OutboxMessage):
    """One message to the applicant about one line of the timeline; (event, channel) is unique, so
    a retried task never tells the same news twice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("case"))
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("event"))
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("case notification")
        verbose_name_plural = _("case notifications")
        ordering = ["case", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="case_notification_once_per_event")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.event_id} {self.channel}"


class IdeaReview(models.Model):
    """An idea's way through the national ideas working group (charter 3-17 to 3-21)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the working group")
        MERGED = "merged", _("Merged into an earlier idea")
        DECLINED = "declined", _("Declined")
        REFERRED = "referred", _("Accepted and referred to the competent body")
        REVIEWED = "reviewed", _("Reviewed by the competent body")

    class Result(models.TextChoices):
        IMPLEMENTED = "implemented", _("Implemented")
        PLANNED = "planned", _("Accepted for implementation")
        NOT_FEASIBLE = "not_feasible", _("Not feasible now")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="idea", verbose_name=_("case"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    merged_into = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="merged_ideas", verbose_name=_("merged into"),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True, max_length=limits.NOTE)
    competent_body = models.ForeignKey(
        "orgs.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("competent body"),
    )
    # What the public page shows: written by the working group, without personal data.
    public_title = models.CharField(_("public title"), max_length=200, blank=True)
    public_summary = models.TextField(_("public summary"), blank=True, max_length=limits.NOTE)
    reviewed_by = models.ForeignKey("orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed by the working group"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, blank=True)
    result_text = models.TextField(_("result of the body's review"), blank=True, max_length=limits.NOTE)
    result_by = models.ForeignKey("orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result_at = models.DateTimeField(_("result recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("idea review")
        verbose_name_plural = _("idea reviews")
        ordering = ["-case__created_at"]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_state_display()}"


class MeetingSchedule(models.Model):
    """A head of a body's or a governor's weekly public meeting time (charter 8-3, 8-4)."""

    official = models.ForeignKey("orgs.Staff", on_delete=models.PROTECT, related_name="meeting_schedules", verbose_name=_("official"))
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="meeting_schedules", verbose_name=_("office"))
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("Monday = 0 … Sunday = 6."),
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per meeting"), default=15, validators=[MinValueValidator(5), MaxValueValidator(120)])
    place = models.CharField(_("place"), max_length=300)
    active = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("public meeting time")
        verbose_name_plural = _("public meeting times")
        ordering = ["unit__path", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.official} – {self.weekday} {self.start:%H:%M}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("The meeting time must end after it starts.")})


class MeetingBooking(models.Model):
    """A citizen's slot at a public meeting, booked online or at the desk with the national code."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("Did not come")
        CANCELLED = "cancelled", _("Cancelled")

    schedule = models.ForeignKey(MeetingSchedule, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("meeting time"))
    starts_at = models.DateTimeField(_("slot"))
    national_code = models.CharField(_("national code"), max_length=10, db_index=True, validators=[validate_national_code])
    full_name = models.CharField(_("full name"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    subject = models.CharField(_("subject"), max_length=300)
    channel = models.CharField(_("channel"), max_length=8, choices=Case.Channel.choices, default=Case.Channel.ONLINE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    outcome = models.TextField(_("outcome"), blank=True, max_length=limits.NOTE)
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting", verbose_name=_("case opened"),
    )
    booked_at = models.DateTimeField(_("booked"), default=timezone.now)

    class Meta:
        verbose_name = _("public meeting booking")
        verbose_name_plural = _("public meeting bookings")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "starts_at"], condition=~models.Q(state="cancelled"), name="meeting_slot_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} – {self.starts_at:%Y-%m-%d %H:%M}"


class MeetingNotification(OutboxMessage):
    """The SMS that confirms a booking, written with the booking and sent after commit at most once
    (apps.core.messaging.outbox_row_deliver); a gateway or broker outage leaves it for the beat sweep."""

    booking = models.ForeignKey(
        MeetingBooking, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("booking"),
    )
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("meeting booking message")
        verbose_name_plural = _("meeting booking messages")
        ordering = ["booking", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["booking", "channel"], name="meeting_notification_once")]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.channel}"
