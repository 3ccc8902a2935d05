"""Provinces, counties, executive bodies, the org-unit tree, counters and staff (SPEC §2)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core import limits
from apps.core.uploads import PrivateFileField


def default_weekly_off_days() -> list[int]:
    # Python weekday numbers (Monday = 0): Friday is the only day off set by law.
    return [4]


class BilingualNameMixin(models.Model):
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "fa").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fa


class Province(BilingualNameMixin):
    code = models.CharField(_("ISO 3166-2 code"), max_length=5, unique=True)
    weekly_off_days = models.JSONField(
        _("weekly days off"),
        default=default_weekly_off_days,
        help_text=_("Weekday numbers, Monday = 0 … Sunday = 6. Friday (4) by law; add Thursday (3) where the province closes it."),
    )

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def clean(self) -> None:
        days = self.weekly_off_days
        if not isinstance(days, list) or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"weekly_off_days": _("Give a list of weekday numbers from 0 to 6.")})
        if len(set(days)) >= 7:
            raise ValidationError({"weekly_off_days": _("At least one day of the week must be a working day.")})


class County(BilingualNameMixin):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province"))

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["province__code", "name_fa"]
        constraints = [models.UniqueConstraint(fields=["province", "name_fa"], name="county_unique_name")]


class Body(BilingualNameMixin):
    """An executive body (دستگاه اجرایی), optionally under a parent body such as its ministry.

    Two kinds matter to people's communication cases (apps.cases.routing): the governorate (the
    province governor's office, استانداری, whose county units are the county governors' offices,
    فرمانداری) and the centre (the national people's communication centre)."""

    class Kind(models.TextChoices):
        EXECUTIVE = "executive", _("Executive body")
        GOVERNORATE = "governorate", _("Governorate (governors' offices)")
        CENTRE = "centre", _("People's communication centre")

    # db_default too: rows written by code that predates the column (a rolling deploy, an old
    # migration state in tests) still get a kind.
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.EXECUTIVE, db_default=Kind.EXECUTIVE, db_index=True
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent body")
    )
    head_name = models.CharField(_("head of the body"), max_length=200, blank=True)
    head_post = models.CharField(_("post of the head"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("executive body")
        verbose_name_plural = _("executive bodies")
        ordering = ["name_fa"]

    @property
    def top(self) -> "Body":
        """The ministry or national organisation at the top of this body's parents."""
        body, seen = self, set()
        while body.parent_id and body.pk not in seen:
            seen.add(body.pk)
            body = body.parent
        return body


class BodyDuty(models.Model):
    """One of a body's duties (وظایف): what its people's communication desk may register cases on
    besides its catalog services (charter 3-8, 3-14). What is outside them is referred."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="duties", verbose_name=_("executive body"))
    title = models.CharField(_("duty"), max_length=200)
    keywords = models.CharField(
        _("keywords"), max_length=400, blank=True,
        help_text=_("Words a citizen may use for this duty, separated by commas; they help a desk find the competent body."),
    )

    class Meta:
        verbose_name = _("duty of a body")
        verbose_name_plural = _("duties of bodies")
        ordering = ["body", "title"]
        constraints = [models.UniqueConstraint(fields=["body", "title"], name="body_duty_unique_title")]

    def __str__(self) -> str:
        return self.title


class OrgUnit(models.Model):
    """A node of the org tree. `path` ("/1/7/12/") makes "this unit and below" one indexed
    prefix match, which is what every scoped query needs."""

    class Level(models.TextChoices):
        HQ = "hq", _("National headquarters")
        PROVINCE = "province", _("Provincial unit")
        COUNTY = "county", _("County unit")
        DEPARTMENT = "department", _("Inner department")

    name = models.CharField(_("name"), max_length=200)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="units", verbose_name=_("executive body"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent unit")
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="units", verbose_name=_("province")
    )
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="units", verbose_name=_("county")
    )
    address = models.CharField(_("address"), max_length=400, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    opening_hours = models.CharField(
        _("opening hours"), max_length=200, blank=True,
        help_text=_("As the public should read them, e.g. Saturday to Wednesday 7:30–14:30. Empty: the portal's office hours."),
    )
    head_office = models.BooleanField(
        _("office of the head"), default=False, db_default=False,
        help_text=_("The minister's, head's or governor's office: it handles complaints against the officials below it (charter 10-3)."),
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Departments work inside their parent's territory.
        if self.level == self.Level.DEPARTMENT and self.parent_id:
            self.province_id = self.parent.province_id
            self.county_id = self.parent.county_id
        old_path = self.path
        with transaction.atomic():
            super().save(*args, **kwargs)
            new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
            if new_path != old_path:
                OrgUnit.objects.filter(pk=self.pk).update(path=new_path)
                self.path = new_path
                if old_path:
                    # A moved unit carries its whole subtree along.
                    OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1))
                    )

    def clean(self) -> None:
        errors = {}
        if self.parent_id:
            if self.parent.body_id != self.body_id and self.level == self.Level.DEPARTMENT:
                errors["body"] = _("A department belongs to the body of its parent unit.")
            if self.pk and self.parent.path.startswith(self.path):
                errors["parent"] = _("A unit cannot be placed under itself or its own sub-unit.")
        if self.level == self.Level.HQ and self.province_id:
            errors["province"] = _("National headquarters has no province.")
        if self.level in (self.Level.PROVINCE, self.Level.COUNTY) and not self.province_id:
            errors["province"] = _("A provincial or county unit needs its province.")
        if self.level == self.Level.COUNTY and not self.county_id:
            errors["county"] = _("A county unit needs its county.")
        if self.county_id and self.province_id and self.county.province_id != self.province_id:
            errors["county"] = _("The county is not in the chosen province.")
        if self.level == self.Level.DEPARTMENT and not self.parent_id:
            errors["parent"] = _("An inner department hangs under a unit.")
        if errors:
            raise ValidationError(errors)

    @property
    def territory_label(self) -> str:
        parts = [str(p) for p in (self.county, self.province) if p]
        return " / ".join(parts)


class Counter(models.Model):
    """A counter (باجه) of a unit's service desk."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="counters", verbose_name=_("unit"))
    number = models.PositiveSmallIntegerField(_("counter number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    staff = models.ManyToManyField("Staff", blank=True, related_name="counters", verbose_name=_("staff at this counter"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["unit__path", "number"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        from apps.core.text import localize_digits

        return f"{self.unit} – {_('counter')} {localize_digits(self.number)}"


def staff_photo_path(instance: "Staff", filename: str) -> str:
    return f"staff-photos/{instance.unit_id}/{filename}"


class Staff(models.Model):
    """An employee. Not every staff member logs in; every login user is a staff member."""

    class PostKind(models.TextChoices):
        """The posts the complaint hierarchy (charter 10-3) routes on; "" for every other post."""

        COUNTY_HEAD = "county_head", _("Head of a county office")
        COUNTY_DESK = "county_desk", _("Head of a county people's communication desk")
        PROVINCIAL_DIRECTOR = "prov_director", _("Provincial director-general")
        COUNTY_GOVERNOR = "county_gov", _("County governor")
        PROVINCE_GOVERNOR = "province_gov", _("Province governor")
        HQ_DEPUTY = "hq_deputy", _("Deputy or director of a ministry or national organisation")
        HEAD_OF_BODY = "head", _("Minister or head of a national organisation")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        verbose_name=_("login user"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    personnel_code = models.CharField(_("personnel code"), max_length=20)
    post = models.CharField(_("post"), max_length=200)
    post_kind = models.CharField(
        _("kind of post"), max_length=16, choices=PostKind.choices, blank=True, default="", db_default="",
        help_text=_("For managers: decides who handles a complaint against them. Empty for other staff."),
    )
    main_duties = models.TextField(_("main duties"), blank=True, help_text=_("Shown on the employee's name plate."), max_length=limits.NOTE)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit"))
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="staff", editable=False, verbose_name=_("executive body"))
    photo = PrivateFileField(_("photo"), upload_to=staff_photo_path, blank=True, kind="images")
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "personnel_code"], name="staff_unique_personnel_code")
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        # Personnel codes are issued per body, so the body is kept beside the unit for the constraint.
        self.body_id = self.unit.body_id
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
