"""GIVEN the Mazandaran world of tests/reports/conftest.py
WHEN the roads directorate's supervisor moves a service to the hybrid channel from 1405/07/01 on the
  real service page (Persian, Jalali), and a national auditor opens annex 3 table 2 of 1405-B3, in
  which only the directorate has a verified form
THEN the service page shows the days it is in the catalog and its channels by date; table 2 lists
  the bodies under the ministry's headquarters with the directorate's verified counts and ratios
  from the same rows, and the others marked as having no verified form.
Screenshots: test-artifacts/catalog-states-*.png, annex3-table2-verified-*.png."""

import pytest
from django.urls import reverse

from apps.catalog.selectors import services_on
from apps.core.jalali import jalali_to_gregorian
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import report_audit_form_verified, staff_user
from tests.reports.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(db):
    return build_world()


def test_a_channel_change_is_dated_and_annex3_shows_the_verified_form(
    page, live_server, login, world, shot, no_horizontal_overflow
):
    service = world.requests[0].service
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=world.u1, first_name="زهرا", last_name="رضایی")
    page.set_viewport_size(DESKTOP)
    login(page, supervisor.user)
    page.goto(f"{live_server.url}{reverse('catalog:service_edit', args=[service.pk])}")
    assert page.input_value("#id_valid_from") == "۱۴۰۵/۰۱/۱۵"
    page.select_option("#id_channel", "hybrid")
    page.select_option("#id_non_electronic_reason", "digitisation")
    page.fill("#id_eservice_url", "https://mazandaran.mrud.ir/e/permit")
    page.fill("#id_changes_from", "۱۴۰۵/۰۷/۰۱")
    page.locator("#id_changes_from").scroll_into_view_if_needed()
    shot(page, "catalog-states-edit-1280")
    page.click(".mg-submit button[type=submit]")
    page.wait_for_url(f"**{reverse('catalog:service_detail', args=[service.pk])}")
    states = page.inner_text(".mg-states")
    assert "۱۴۰۵/۰۱/۱۵" in states
    assert "۱۴۰۵/۰۷/۰۱" in states
    assert "از ۱۴۰۵/۰۱/۱۵" in page.inner_text(".facts")
    no_horizontal_overflow(page)
    shot(page, "catalog-states-1280")
    page.set_viewport_size(PHONE)
    no_horizontal_overflow(page)
    shot(page, "catalog-states-360")
    # The catalog of a day in Shahrivar still has it in person; of a day in Mehr, hybrid.
    channel = {
        d: services_on(jalali_to_gregorian(1405, *d)).get(pk=service.pk).channel_on for d in ((6, 31), (7, 1))
    }
    assert channel == {(6, 31): "in_person", (7, 1): "hybrid"}

    report_audit_form_verified(
        unit=world.u1, year=1405, number=3, channels=["in_person", "in_person", "electronic", "outside"]
    )
    auditor = staff_user(roles.NATIONAL_AUDITOR, unit=world.hq, first_name="فاطمه", last_name="حسینی")
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    login(page, auditor.user)
    page.goto(f"{live_server.url}{reverse('reports:annex3_table2')}?period=1405-B3")
    rows = page.locator(".rp-annex-table2 tbody tr")
    assert rows.count() == 3
    roads = rows.filter(has_text="اداره کل راه و شهرسازی مازندران").inner_text()
    assert "۴\t۲\t۱\t۰\t۱" in roads  # a, b, c, d, e of the verified form
    assert page.locator(".rp-unverified").count() == 2
    assert "فرم صحه‌گذاری‌شده‌ای در این دوره ندارد" in page.inner_text(".rp-annex-table2")
    shot(page, "annex3-table2-verified-1280")
    page.set_viewport_size(PHONE)
    no_horizontal_overflow(page)
    shot(page, "annex3-table2-verified-360")
