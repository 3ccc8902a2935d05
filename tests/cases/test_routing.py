"""The complaint hierarchy (charter 10-3) and the other routes of a case, rule by rule."""

import pytest
from django.core.exceptions import ValidationError

from apps.cases import routing
from apps.cases.models import Case, CaseType
from apps.orgs.models import Body, OrgUnit
from tests.cases.trees import samad_tree
from tests.factories import registered_case

pytestmark = pytest.mark.django_db

# Official's post → the unit that handles a complaint against them (attribute of SamadTree).
HIERARCHY = [
    ("county_head", "county_gov_office"),  # 10-3 a: head of a county office → the county governor
    ("county_desk", "county_gov_office"),  # 10-3 a: the county desk → the county governor
    ("prov_director", "province_gov_office"),  # 10-3 b: provincial director-general → the province governor
    ("county_gov", "province_gov_office"),  # 10-3 b: county governor → the province governor
    ("hq_deputy", "minister_office"),  # 10-3 c: a ministry's deputy → the minister's office
    ("province_gov", "centre"),  # 10-3-3: province governors → the centre
    ("head", "centre"),  # a minister → the centre
    ("county_clerk", "directorate"),  # any other employee → the unit above their office
    ("gov_office_clerk", "centre"),  # the governor's own office is never its own judge
    ("minister_office_head", "centre"),  # nor the minister's office
]


@pytest.mark.parametrize(("post", "handler"), HIERARCHY)
def test_the_complaint_hierarchy_chooses_the_handling_unit_from_the_official_s_post(post, handler):
    tree = samad_tree()
    official = tree.officials[post]
    route = routing.complaint_route(official)
    assert route.unit == getattr(tree, handler)
    assert not route.unit.path.startswith(official.unit.path)
    assert route.note


@pytest.mark.parametrize("post", [p for p, _h in HIERARCHY])
def test_a_complaint_is_never_handled_by_the_official_s_own_unit(post):
    tree = samad_tree()
    official = tree.officials[post]
    # The worst case: the official works in the very office the rule would choose.
    for office in (tree.county_gov_office, tree.province_gov_office, tree.minister_office):
        official.unit = office
        official.save()
        route = routing.complaint_route(official)
        assert not route.unit.path.startswith(office.path), (post, office.name, route.unit.name)


def test_a_complaint_registered_online_goes_to_the_handler_not_to_the_directorate():
    tree = samad_tree()
    case = registered_case(
        case_type=CaseType.COMPLAINT, unit=tree.directorate, channel=Case.Channel.ONLINE,
        official=tree.officials["prov_director"],
    )
    assert case.handling_unit == tree.province_gov_office
    assert case.complained_unit == tree.directorate
    assert case.official_post == "مدیرکل راه استان"
    assert "استان" in case.routing_note


def test_without_governors_offices_the_centre_takes_the_complaint_and_without_it_the_form_says_so():
    tree = samad_tree()
    OrgUnit.objects.filter(body__kind=Body.Kind.GOVERNORATE).update(head_office=False)
    Body.objects.filter(kind=Body.Kind.GOVERNORATE).update(kind=Body.Kind.EXECUTIVE)
    assert routing.complaint_route(tree.officials["county_head"]).unit == tree.centre
    Body.objects.filter(kind=Body.Kind.CENTRE).update(kind=Body.Kind.EXECUTIVE)
    with pytest.raises(ValidationError) as caught:
        routing.complaint_route(tree.officials["county_head"])
    assert "official" in caught.value.message_dict


ONE_LEVEL_UP = [
    ("county_gov_office", "province_gov_office"),
    ("county_desk", "province_gov_office"),
    ("province_gov_office", "centre"),
    ("county_office", "directorate"),
    ("directorate", "minister_office"),
    ("minister_office", "centre"),
    ("centre", None),
]


@pytest.mark.parametrize(("start", "expected"), ONE_LEVEL_UP)
def test_an_objection_goes_one_level_up(start, expected):
    tree = samad_tree()
    up = routing.one_level_up(getattr(tree, start))
    assert up == (getattr(tree, expected) if expected else None)


def test_upward_referral_goes_from_a_provincial_or_county_unit_to_its_ministry_only():
    tree = samad_tree()
    assert routing.upward_unit(tree.county_office) == tree.ministry_hq
    assert routing.upward_unit(tree.directorate) == tree.ministry_hq
    assert routing.upward_unit(tree.ministry_hq) is None


def test_a_referral_to_a_body_lands_on_its_unit_nearest_to_the_case():
    tree = samad_tree()
    body = tree.county_office.body
    assert routing.body_unit_near(body, near=tree.county_gov_office) == tree.county_office
    assert routing.body_unit_near(body, near=tree.province_gov) == tree.directorate
    assert routing.body_unit_near(tree.ministry_hq.body, near=tree.county_desk) == tree.ministry_hq
