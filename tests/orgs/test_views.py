import pytest
from django.urls import reverse

from tests.factories import CounterFactory, DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_staff_list_is_scoped_and_cheap(client, clerk, django_assert_max_num_queries):
    StaffFactory.create_batch(20, unit=clerk.unit)
    StaffFactory.create_batch(5, unit=DepartmentFactory(parent=clerk.unit))
    StaffFactory()  # another unit: must not appear
    client.force_login(clerk.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("orgs:staff_list"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 26  # 25 + the clerk


def test_staff_search_accepts_persian_digits(client, clerk):
    StaffFactory(unit=clerk.unit, personnel_code="4521")
    client.force_login(clerk.user)
    page = client.get(reverse("orgs:staff_list"), {"q": "۴۵۲۱"})
    assert [s.personnel_code for s in page.context["staff"]] == ["4521"]


def test_unit_list_query_count_does_not_grow_with_units(client, clerk, django_assert_max_num_queries):
    for _ in range(15):
        dept = DepartmentFactory(parent=clerk.unit)
        StaffFactory.create_batch(2, unit=dept)
        CounterFactory(unit=dept)
    client.force_login(clerk.user)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("orgs:unit_list"))
    assert len(page.context["units"]) == 16


def test_pages_need_login(client):
    for name in ("orgs:unit_list", "orgs:staff_list", "orgs:counter_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
