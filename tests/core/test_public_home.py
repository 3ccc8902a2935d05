"""The citizens' front door at /: find a service, track a request, rate staff, where the desks are."""

import pytest

from tests.factories import CounterFactory, OrgUnitFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_gets_the_public_home_not_the_staff_login(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/services/"' in html
    assert 'action="/track/"' in html
    assert "QR" in html
    assert 'href="/accounts/login/"' in html  # staff still find their way in
    # People's communication: register a case, book a public meeting, read the accepted ideas.
    for door in ('href="/cases/new/"', 'href="/meetings/"', 'href="/ideas/"'):
        assert door in html


def test_the_home_lists_desks_with_address_and_hours_by_province(client, django_assert_max_num_queries):
    tehran, mazandaran = ProvinceFactory(name_fa="تهران"), ProvinceFactory(name_fa="مازندران")
    sari = OrgUnitFactory(
        name="میز خدمت ساری",
        province=mazandaran,
        address="ساری، بلوار طالقانی",
        opening_hours="شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰",
    )
    CounterFactory(unit=sari)
    for n in range(25):
        CounterFactory(unit=OrgUnitFactory(name=f"میز {n}", province=tehran))
    OrgUnitFactory(name="واحد بدون باجه", province=mazandaran)

    with django_assert_max_num_queries(6):
        page = client.get("/", {"province": mazandaran.pk})
    names = [d.name for d in page.context["desks"]]
    assert names == ["میز خدمت ساری"]  # a unit without a counter is not a desk
    html = page.content.decode()
    assert "ساری، بلوار طالقانی" in html
    assert "۷:۳۰" in html
    assert len(client.get("/").context["desks"]) == 20  # a page at a time
