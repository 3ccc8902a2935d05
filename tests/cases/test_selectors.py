import pytest
from django.contrib.auth.models import AnonymousUser

from apps.cases.selectors import case_list
from apps.orgs import roles
from tests.factories import OrgUnitFactory, ProvinceFactory, registered_case, staff_user

pytestmark = pytest.mark.django_db


def test_clerk_cannot_see_cases_of_another_province(clerk):
    own = registered_case(clerk=clerk)
    elsewhere = registered_case(unit=OrgUnitFactory(body=clerk.unit.body, province=ProvinceFactory()))

    assert list(case_list(user=clerk.user)) == [own]
    assert elsewhere.unit.province_id != clerk.unit.province_id


def test_provincial_auditor_sees_the_province_and_national_auditor_everything(clerk):
    own = registered_case(clerk=clerk)
    neighbour = registered_case(unit=OrgUnitFactory(province=clerk.unit.province))
    elsewhere = registered_case(unit=OrgUnitFactory(province=ProvinceFactory()))
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=clerk.unit.province))
    national = staff_user(roles.NATIONAL_AUDITOR)

    assert set(case_list(user=auditor.user)) == {own, neighbour}
    assert set(case_list(user=national.user)) == {own, neighbour, elsewhere}


def test_anonymous_sees_no_case(clerk):
    registered_case(clerk=clerk)
    assert not case_list(user=AnonymousUser()).exists()


def test_case_list_reads_its_rows_in_one_query(clerk, django_assert_num_queries):
    for _ in range(5):
        registered_case(clerk=clerk)
    with django_assert_num_queries(2):  # the user's roles, then the cases with their units
        rows = list(case_list(user=clerk.user))
        assert {r.unit.name for r in rows} == {clerk.unit.name}
