"""Where a case goes: the complaint hierarchy (charter 10-3), one level up (an objection), and the
unit of a body nearest to a case (a referral). Pure reads of the org tree; the writes are in services.

The complaint hierarchy, by the post of the official complained about (Staff.post_kind):

- head of a county office, head of the county desk → the county governor's office (فرمانداری) of
  the official's county;
- provincial director-general, county governor → the province governor's office (استانداری);
- deputy or director of a ministry or national organisation → the minister's or head's office;
- province governor, minister or head of a national organisation → the centre (charter 10-3-3);
- any other employee → the unit above the official's own office, in the same body.

Where the org tree has an "office of the head" (OrgUnit.head_office) inside the chosen unit, that office
handles the complaint. The handling unit is never the official's own unit nor one below it: when the
rule lands there (a complaint against a governor's own office), the next level up handles it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from apps.orgs.models import Body, County, OrgUnit, Province, Staff

Post = Staff.PostKind


@dataclass(frozen=True)
class Route:
    unit: OrgUnit
    note: str


def _office(unit: OrgUnit | None) -> OrgUnit | None:
    """The head's office of a unit: the unit itself if it is one, else its office child, else the unit."""
    if unit is None or unit.head_office:
        return unit
    return unit.children.filter(head_office=True).order_by("pk").first() or unit


def county_governor_office(county: County | None) -> OrgUnit | None:
    if county is None:
        return None
    unit = OrgUnit.objects.filter(
        body__kind=Body.Kind.GOVERNORATE, level=OrgUnit.Level.COUNTY, county=county
    ).order_by("pk").first()
    return _office(unit)


def province_governor_office(province: Province | None) -> OrgUnit | None:
    if province is None:
        return None
    unit = OrgUnit.objects.filter(
        body__kind=Body.Kind.GOVERNORATE, level=OrgUnit.Level.PROVINCE, province=province
    ).order_by("pk").first()
    return _office(unit)


def head_office(body: Body) -> OrgUnit | None:
    """The minister's or head's office of the ministry or national organisation above `body`."""
    top = body.top
    unit = OrgUnit.objects.filter(body=top, level=OrgUnit.Level.HQ).order_by("pk").first()
    return _office(unit)


def centre_office() -> OrgUnit | None:
    unit = OrgUnit.objects.filter(body__kind=Body.Kind.CENTRE, level=OrgUnit.Level.HQ).order_by("pk").first()
    return _office(unit)


def _territory_unit(unit: OrgUnit) -> OrgUnit:
    """The office a department works in (a department has no level of its own in the hierarchy)."""
    while unit.level == OrgUnit.Level.DEPARTMENT and unit.parent_id:
        unit = unit.parent
    return unit


def _ladder(official: Staff) -> list[tuple[OrgUnit | None, str]]:
    """Candidate handling units for a complaint against `official`, first choice first."""
    own = _territory_unit(official.unit)
    county_office = (county_governor_office(own.county), _("the county governor's office (charter 10-3 a)"))
    province_office = (province_governor_office(own.province), _("the province governor's office (charter 10-3 b)"))
    ministry_office = (head_office(official.body), _("the minister's or head's office (charter 10-3 c)"))
    centre = (centre_office(), _("the people's communication centre (charter 10-3-3)"))
    kind = official.post_kind
    if kind in (Post.COUNTY_HEAD, Post.COUNTY_DESK):
        return [county_office, province_office, centre]
    if kind in (Post.PROVINCIAL_DIRECTOR, Post.COUNTY_GOVERNOR):
        return [province_office, centre]
    if kind == Post.HQ_DEPUTY:
        return [ministry_office, centre]
    if kind in (Post.PROVINCE_GOVERNOR, Post.HEAD_OF_BODY):
        return [centre]
    # Any other employee: the unit above their office in their own body, then as their head would be.
    above = (_office(own.parent) if own.parent_id else None, _("the unit above the official's office"))
    if own.level == OrgUnit.Level.COUNTY:
        return [above, county_office, province_office, centre]
    if own.level == OrgUnit.Level.PROVINCE:
        return [above, province_office, centre]
    return [above, ministry_office, centre]


def _is_officials_own(unit: OrgUnit, official: Staff) -> bool:
    # The official's unit or a unit below it (their own office's departments).
    return unit.path.startswith(official.unit.path)


def complaint_route(official: Staff) -> Route:
    """The unit that handles a complaint against `official`, and why. Raises ValidationError when
    the org tree has no unit to take it (no governor's office or centre set up)."""
    # The note is kept on the case: written in Persian, the language of the desk's records.
    with translation.override("fa"):
        for unit, why in _ladder(official):
            if unit is not None and not _is_officials_own(unit, official):
                post = official.get_post_kind_display() if official.post_kind else official.post
                return Route(unit, _("Complaint against %(post)s: handled by %(why)s.") % {"post": post, "why": why})
    raise ValidationError(
        {"official": _("No unit of the org tree can handle a complaint against this official; the administrator must set up the governors' offices and the centre.")}
    )


def one_level_up(unit: OrgUnit) -> OrgUnit | None:
    """Where an objection goes: a county governor's office → the province governor's office → the
    centre; in a body, the unit above (its head's office where there is one), the ministry's HQ above
    a provincial body's top unit, and the centre above a ministry."""
    unit = _territory_unit(unit)
    centre = centre_office()
    if unit.body.kind == Body.Kind.CENTRE:
        return None
    if unit.body.kind == Body.Kind.GOVERNORATE:
        if unit.level == OrgUnit.Level.COUNTY:
            return province_governor_office(unit.province) or centre
        return centre
    if unit.parent_id:
        return _office(unit.parent)
    if unit.body.parent_id:
        return head_office(unit.body) or centre
    return centre


def body_unit_near(body: Body, *, near: OrgUnit) -> OrgUnit | None:
    """The unit of `body` closest to `near`'s territory: same county, then same province, then its HQ,
    then any of its units. A referral to a body lands on this unit's desk."""
    units = OrgUnit.objects.filter(body=body).exclude(level=OrgUnit.Level.DEPARTMENT)
    near = _territory_unit(near)
    for lookup in (
        {"level": OrgUnit.Level.COUNTY, "county_id": near.county_id} if near.county_id else None,
        {"level": OrgUnit.Level.PROVINCE, "province_id": near.province_id} if near.province_id else None,
        {"level": OrgUnit.Level.HQ},
        {},
    ):
        if lookup is None:
            continue
        unit = units.filter(**lookup).order_by("path").first()
        if unit is not None:
            return unit
    return None


def upward_unit(unit: OrgUnit) -> OrgUnit | None:
    """Where a provincial or county unit refers what exceeds its authority or budget (charter 3-10):
    its ministry's HQ (its own body's HQ when the body has no parent)."""
    unit = _territory_unit(unit)
    if unit.level not in (OrgUnit.Level.PROVINCE, OrgUnit.Level.COUNTY):
        return None
    top = unit.body.top
    return OrgUnit.objects.filter(body=top, level=OrgUnit.Level.HQ).order_by("pk").first()
