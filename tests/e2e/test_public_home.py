"""The citizens' front door on a phone: find a service, track a request, and back again."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.factories import CounterFactory, OrgUnitFactory, SubServiceFactory, WorkflowStageFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 20_000


def test_a_citizen_finds_a_service_from_the_home_page_and_tracks_a_request(
    page, live_server, shot, no_horizontal_overflow
):
    unit = OrgUnitFactory(name="اداره کل ثبت اسناد مازندران", address="ساری، میدان امام")
    CounterFactory(unit=unit)
    service = SubServiceFactory(body=unit.body, title="صدور گواهی عدم خلافی")
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    page.set_default_timeout(WAIT)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("main")).to_contain_text("ساری، میدان امام")
    no_horizontal_overflow(page)
    shot(page, "public-home-phone")
    page.fill("#home-q", "گواهی")
    with page.expect_navigation():
        page.press("#home-q", "Enter")
    expect(page.locator("main")).to_contain_text(service.title)
    with page.expect_navigation():
        page.click("header a[href='/track/']")  # catalog → tracking
    page.fill("#code", "12345678901")
    with page.expect_navigation():
        page.press("#code", "Enter")
    expect(page.locator(".errorbox")).to_be_visible()
    with page.expect_navigation():
        page.click("header a.brand")  # the brand leads home
    assert page.url == f"{live_server.url}/"
