"""The territory a report covers — the whole country, a province, a county or one executive body —
and how each table of the portal is narrowed to it.

A report's scope is not the reader's scope: a provincial report counts every request received at a
desk in the province, whoever reads it later (who may read it is decided in selectors.py).
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.orgs.models import Body, County, OrgUnit, Province


@dataclass(frozen=True)
class Scope:
    NATIONAL = "national"
    PROVINCE = "province"
    COUNTY = "county"
    BODY = "body"
    LEVELS = (NATIONAL, PROVINCE, COUNTY, BODY)
    LABELS = {
        NATIONAL: _("Whole country"),
        PROVINCE: _("Province"),
        COUNTY: _("County"),
        BODY: _("Executive body"),
    }

    level: str
    id: int | None = None

    def __post_init__(self) -> None:
        if self.level not in self.LEVELS:
            raise ValueError(f"unknown scope level {self.level!r}")
        if (self.level == self.NATIONAL) != (self.id is None):
            raise ValueError("the national scope has no id; every other scope needs one")

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """ "national", "province:7", "county:12", "body:3"."""
        text = (text or "").strip().lower()
        if text == cls.NATIONAL:
            return cls(cls.NATIONAL)
        level, _sep, pk = text.partition(":")
        if level not in cls.LEVELS or not pk.isascii() or not pk.isdigit():
            raise ValueError("A scope is written national, province:<id>, county:<id> or body:<id>.")
        return cls(level, int(pk))

    @classmethod
    def of(cls, *, body=None, county=None, province=None) -> "Scope":
        """The scope of the keyword that is set (objects or ids); the country when none is."""
        given = [(cls.BODY, body), (cls.COUNTY, county), (cls.PROVINCE, province)]
        given = [(level, getattr(value, "pk", value)) for level, value in given if value is not None]
        if len(given) > 1:
            raise ValueError("a report covers one body, one county or one province, not several")
        return cls(*given[0]) if given else cls(cls.NATIONAL)

    @property
    def key(self) -> str:
        return self.level if self.id is None else f"{self.level}:{self.id}"

    @property
    def fields(self) -> dict:
        """The Report columns that store this scope."""
        return {"body_id": None, "county_id": None, "province_id": None} | (
            {f"{self.level}_id": self.id} if self.id is not None else {}
        )

    @property
    def model(self):
        return {self.PROVINCE: Province, self.COUNTY: County, self.BODY: Body}.get(self.level)

    def obj(self):
        return self.model.objects.get(pk=self.id) if self.model else None

    def name(self) -> str:
        """The Persian name printed on the report ("سراسر کشور" for the country)."""
        if self.level == self.NATIONAL:
            return "سراسر کشور"
        return self.model.objects.values_list("name_fa", flat=True).get(pk=self.id)

    # --- narrowing querysets --------------------------------------------------------------------

    def unit_q(self, prefix: str = "unit__") -> Q:
        """Rows whose org unit (reached through `prefix`) lies in the territory."""
        if self.level == self.NATIONAL:
            return Q()
        field = {self.PROVINCE: "province_id", self.COUNTY: "county_id", self.BODY: "body_id"}[self.level]
        return Q(**{f"{prefix}{field}": self.id})

    def copied_q(self, *, has_county: bool = True) -> Q:
        """Rows that carry copies of body / county / province (answers, ratings): no join needed.
        Ratings copy no county, so theirs goes through the unit."""
        if self.level == self.NATIONAL:
            return Q()
        if self.level == self.COUNTY and not has_county:
            return Q(unit__county_id=self.id)
        return Q(**{f"{self.level}_id": self.id})

    def bodies(self):
        """The bodies that have an org unit in the territory (the body itself for a body scope)."""
        if self.level == self.BODY:
            return Body.objects.filter(pk=self.id)
        if self.level == self.NATIONAL:
            return Body.objects.filter(units__isnull=False).distinct()
        return Body.objects.filter(pk__in=OrgUnit.objects.filter(self.unit_q(prefix="")).values("body_id"))
