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

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "state", "-created_at"])]

    def __str__(self) -> str:
        return self.tracking_code

    # Which optional fields belong to which type; every other type leaves them empty.
    TYPE_FIELDS = {
        CaseType.COMPLAINT: ("complained_body", "complained_unit", "official_name", "official_post"),
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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"),
        help_text=_("Empty for what the citizen or the system did."),
    )
    note = models.TextField(_("note"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_kind_display()}"
