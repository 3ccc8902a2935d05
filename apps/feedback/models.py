"""Satisfaction (SPEC §5): the versioned questionnaire of table 5 and its answers, and the ratings
citizens give an employee by scanning the QR code on their desk.

Answers and ratings keep copies of the unit, body, county and province they belong to, so every
index (per sub-service, unit, body, county, province, nation and period) is one GROUP BY on one
table, without joins through the org tree.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core import limits

SCALE_MAX = 5  # خیلی زیاد
SCALE_MIN = 1  # خیلی کم


def default_scale_labels() -> list[str]:
    # From the highest value (5) down to the lowest (1), as printed on table 5.
    return ["خیلی زیاد", "زیاد", "متوسط", "کم", "خیلی کم"]


class Questionnaire(models.Model):
    """One version of the satisfaction questionnaire. A version with answers is never edited in
    place: revising it copies it into a new version (apps.feedback.services.questionnaire_revise)."""

    title = models.CharField(_("title"), max_length=300)
    version = models.PositiveIntegerField(_("version"))
    active = models.BooleanField(_("in use"), default=False, help_text=_("The version offered to applicants now."))
    scale_labels = models.JSONField(_("scale labels (5 → 1)"), default=default_scale_labels)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="questionnaire_version_unique"),
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_questionnaire"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Axis(models.Model):
    """An axis of the questionnaire. Table 5 of guide 2 and annex 2 §6 of guide 1 group the same
    questions differently, so each version carries both groupings."""

    class Grouping(models.TextChoices):
        TABLE5 = "table5", _("Table 5 of guide 2")
        ANNEX2 = "annex2", _("Annex 2 §6 of guide 1 (audit)")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="axes", verbose_name=_("questionnaire"))
    grouping = models.CharField(_("grouping"), max_length=8, choices=Grouping.choices, default=Grouping.TABLE5)
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("axis"), max_length=200)

    class Meta:
        verbose_name = _("axis")
        verbose_name_plural = _("axes")
        ordering = ["questionnaire", "grouping", "order"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "grouping", "order"], name="axis_order_unique")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("question"), max_length=400)
    axis = models.ForeignKey(Axis, on_delete=models.PROTECT, related_name="questions", verbose_name=_("axis (table 5)"))
    audit_axis = models.ForeignKey(
        Axis, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_questions", verbose_name=_("axis (annex 2 §6)")
    )
    reverse_scored = models.BooleanField(
        _("reverse-scored"), default=False,
        help_text=_("The question asks how much of something bad: a high answer means low satisfaction."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "number"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "number"], name="question_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class WhereItBelongs(models.Model):
    """Copies of the sub-service and territory a questionnaire answer belongs to, so indices are
    one GROUP BY on one table (see the module docstring)."""

    service = models.ForeignKey("catalog.SubService", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("orgs.Body", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("orgs.Province", null=True, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgs.County", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class SurveyResponse(WhereItBelongs):
    """One filled questionnaire, tied to the request it is about (one per request)."""

    class Source(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper form entered at the desk")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class AgeBand(models.TextChoices):
        UNDER_25 = "lt25", _("Under 25")
        AGE_25_40 = "25-40", _("25 to 40")
        AGE_40_60 = "40-60", _("40 to 60")
        OVER_60 = "gt60", _("Over 60")

    class Education(models.TextChoices):
        BELOW_DIPLOMA = "below_diploma", _("Below diploma")
        DIPLOMA = "diploma", _("Diploma")
        ASSOCIATE = "associate", _("Associate degree")
        BACHELOR = "bachelor", _("Bachelor's")
        GRADUATE = "graduate", _("Master's or doctorate")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses", verbose_name=_("questionnaire"))
    request = models.OneToOneField(
        "desk.ServiceRequest", on_delete=models.PROTECT, related_name="survey", verbose_name=_("request")
    )
    source = models.CharField(_("source"), max_length=6, choices=Source.choices, default=Source.ONLINE)
    entered_by = models.ForeignKey("orgs.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by"))
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    age_band = models.CharField(_("age"), max_length=6, choices=AgeBand.choices, blank=True)
    education = models.CharField(_("education"), max_length=14, choices=Education.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    visits_past_year = models.PositiveSmallIntegerField(_("visits for this service in the past year"), null=True, blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True, max_length=limits.NOTE)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.request_id} v{self.questionnaire_id}"


class Answer(WhereItBelongs):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)])
    # A copy for aggregation by period without a join (see the module docstring).
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]
        indexes = [
            models.Index(fields=["province", "submitted_at"]),
            models.Index(fields=["body", "submitted_at"]),
            models.Index(fields=["unit", "submitted_at"]),
            models.Index(fields=["service", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} q{self.question_id}: {self.value}"


class StaffQRCode(models.Model):
    """The code printed on an employee's desk card: an opaque token, never the staff id. A lost card
    is revoked and a new token issued."""

    staff = models.ForeignKey("orgs.Staff", on_delete=models.CASCADE, related_name="qr_codes", verbose_name=_("staff member"))
    token = models.CharField(_("token"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey("orgs.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("issued by"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The code as printed on a card (apps.feedback.qr.qr_card_images): a 1-bit PNG of `card_url`, drawn
    # once in the background when the code is issued, because choosing the code's mask pattern costs
    # more than laying the card out. Drawn again if the site's address changes.
    card_png = models.BinaryField(_("card image"), blank=True, default=b"", editable=False)
    card_url = models.CharField(_("card image address"), max_length=300, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("staff QR code")
        verbose_name_plural = _("staff QR codes")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["staff"], condition=models.Q(revoked_at__isnull=True), name="one_live_qr_per_staff")
        ]

    def __str__(self) -> str:
        return f"{self.staff} ({'revoked' if self.revoked_at else 'live'})"


class StaffRating(models.Model):
    """One citizen's rating of an employee. Ratings that arrive in a burst are flagged and held out
    of every average until a supervisor reviews them."""

    staff = models.ForeignKey("orgs.Staff", on_delete=models.CASCADE, related_name="ratings", verbose_name=_("staff member"))
    code = models.ForeignKey(StaffQRCode, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("QR code"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)])
    comment = models.TextField(_("comment"), blank=True, max_length=limits.NOTE)
    tracking_code = models.CharField(_("tracking code"), max_length=11, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    device_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(_("at"), db_index=True)
    flagged = models.BooleanField(_("held for review"), default=False)
    flag_reason = models.CharField(_("why held"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        "orgs.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Copies for aggregation without joins.
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    body = models.ForeignKey("orgs.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("executive body"))
    province = models.ForeignKey(
        "orgs.Province", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )

    class Meta:
        verbose_name = _("staff rating")
        verbose_name_plural = _("staff ratings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["staff", "created_at"]),
            models.Index(fields=["province", "created_at"]),
            models.Index(fields=["body", "created_at"]),
            models.Index(fields=["unit", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.score}"


# --- daily rollups ---------------------------------------------------------------------------------------------
# The dashboards, indices and reports read these instead of the raw rows: one row per Tehran day and
# key, kept by apps.feedback.rollups in the transaction of each write that changes what counts, and
# rebuilt from the raw rows by `manage.py rollups_rebuild`. Counters are plain integers (not
# positive ones): a delta is applied in one UPDATE, and a rollup that drifted is fixed by the rebuild
# rather than by refusing a citizen's rating.


def by_place_and_day(name: str, read: list[str]) -> list[models.Index]:
    """The indexes of a per-unit daily rollup: the dashboards read a province, a body, a unit or the
    country over a range of days.

    A province's rows lie scattered over the whole table (rows are added day by day, all provinces
    together), so its dashboard would read a page per row — 400 MB for one province at ten million
    ratings. Its index therefore carries the columns the dashboard reads (`read`, PostgreSQL's
    INCLUDE), which PostgreSQL answers from the index alone: 0.42 s → 0.08 s for a province's
    figures (bench/feedback_dashboards.py). SQLite ignores INCLUDE (settings silence its warning)."""
    return [
        models.Index(fields=["province", "day"], include=read, name=f"{name}_province_day"),
        *(models.Index(fields=[*place, "day"]) for place in (["body"], ["unit"], [])),
    ]


class StaffRatingDay(models.Model):
    """The ratings of one employee given on one Tehran day while serving in one unit."""

    day = models.DateField(_("day"))
    staff = models.ForeignKey("orgs.Staff", on_delete=models.CASCADE, related_name="+", verbose_name=_("staff member"))
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    body = models.ForeignKey("orgs.Body", on_delete=models.PROTECT, related_name="+", verbose_name=_("executive body"))
    province = models.ForeignKey(
        "orgs.Province", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    count = models.IntegerField(_("counted ratings"), default=0)
    total = models.IntegerField(_("sum of counted scores"), default=0)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)
    held = models.IntegerField(_("held for review"), default=0)
    rejected = models.IntegerField(_("rejected on review"), default=0)

    class Meta:
        verbose_name = _("daily staff ratings")
        verbose_name_plural = _("daily staff ratings")
        constraints = [models.UniqueConstraint(fields=["day", "staff", "unit"], name="staffratingday_key")]
        indexes = by_place_and_day(
            "staffratingday", ["unit", "staff", "body", "count", "total", "s1", "s2", "s3", "s4", "s5", "held"]
        )

    def __str__(self) -> str:
        return f"{self.day} staff {self.staff_id} @ {self.unit_id}: {self.count}"


class AnswerDay(WhereItBelongs):
    """The answers to one question about one sub-service at one unit on one Tehran day: how many and
    the sum of their 0–100 scores (apps.feedback.indices.answer_score)."""

    day = models.DateField(_("day"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    count = models.IntegerField(_("answers"), default=0)
    total = models.IntegerField(_("sum of scores"), default=0)

    class Meta:
        verbose_name = _("daily answers")
        verbose_name_plural = _("daily answers")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit", "service", "question"], name="answerday_key")
        ]
        indexes = by_place_and_day("answerday", ["unit", "body", "question", "count", "total"])

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} service {self.service_id} q{self.question_id}: {self.count}"


class AnswerProvinceDay(models.Model):
    """The answers to one question in one province (none: national headquarters) on one Tehran day —
    the country's and a province's index read a few thousand of these rows, not millions."""

    day = models.DateField(_("day"))
    province = models.ForeignKey(
        "orgs.Province", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    count = models.IntegerField(_("answers"), default=0)
    total = models.IntegerField(_("sum of scores"), default=0)

    class Meta:
        verbose_name = _("daily answers of a province")
        verbose_name_plural = _("daily answers of provinces")
        constraints = [
            # Two constraints because NULL never equals NULL in a unique index.
            models.UniqueConstraint(
                fields=["day", "province", "question"],
                condition=models.Q(province__isnull=False),
                name="answerprovinceday_key",
            ),
            models.UniqueConstraint(
                fields=["day", "question"],
                condition=models.Q(province__isnull=True),
                name="answerprovinceday_key_hq",
            ),
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} province {self.province_id} q{self.question_id}: {self.count}"


class SurveyDay(WhereItBelongs):
    """The questionnaires about one sub-service at one unit on one Tehran day, and how many of them
    carry a suggestion."""

    day = models.DateField(_("day"))
    count = models.IntegerField(_("questionnaires"), default=0)
    suggestions = models.IntegerField(_("with a suggestion"), default=0)

    class Meta:
        verbose_name = _("daily questionnaires")
        verbose_name_plural = _("daily questionnaires")
        constraints = [models.UniqueConstraint(fields=["day", "unit", "service"], name="surveyday_key")]
        indexes = by_place_and_day("surveyday", ["unit", "body", "count", "suggestions"])

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} service {self.service_id}: {self.count}"
