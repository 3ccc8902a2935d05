"""GIVEN a registry desk with requests from two clerks on 1405/09/04 WHEN its supervisor logs in and
asks for table 2 of that day in Chromium at desktop width, typing the date in Persian digits THEN
the page shows both clerks' parts with Jalali dates in Persian digits and the print/Excel buttons,
without sideways scrolling."""

import pytest
from django.urls import reverse

from apps.core.text import to_persian_digits
from apps.orgs import roles
from tests.desk.test_daily_report import at, request_at
from tests.e2e.conftest import DESKTOP
from tests.factories import BodyFactory, OrgUnitFactory, SubServiceFactory, WorkflowStageFactory, staff_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def registry_desk(db):
    body = BodyFactory(name_fa="اداره کل ثبت اسناد و املاک استان مازندران")
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری", body=body)
    service = SubServiceFactory(body=body, code="11020031", title="صدور سند مالکیت")
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    maryam = staff_user(roles.DESK_CLERK, unit=unit, first_name="مریم", last_name="احمدی")
    ali = staff_user(roles.DESK_CLERK, unit=unit, first_name="علی", last_name="کریمی")
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی")
    codes = [
        request_at(
            clerk=clerk,
            service=service,
            received=at(1405, 9, 4, 8 + n),
            promised=at(1405, 9, 10, 14),
            answered=at(1405, 9, 8, 10) if n % 2 else None,
            delivered=at(1405, 9, 9, 9) if n == 1 else None,
        ).tracking_code
        for n, clerk in enumerate([maryam, maryam, maryam, ali, ali])
    ]
    return {"supervisor": supervisor, "codes": codes}


def test_supervisor_reads_table_2_of_a_day_on_screen(
    page, live_server, login, shot, no_horizontal_overflow, registry_desk
):
    page.set_viewport_size(DESKTOP)
    login(page, registry_desk["supervisor"].user)

    page.goto(f"{live_server.url}{reverse('desk:daily_report')}")
    page.fill("#id_from", "۱۴۰۵/۰۹/۰۴")
    page.fill("#id_to", "")
    page.click(".daily-form button[type=submit]")
    page.wait_for_url("**from=*")

    assert page.locator(".daily-section").count() == 2
    assert page.locator(".daily-rows tbody tr").count() == 5
    body = page.inner_text("main")
    for code in registry_desk["codes"]:
        assert to_persian_digits(code) in body
    for text in ("۱۴۰۵/۰۹/۱۰", "مریم احمدی", "علی کریمی"):
        assert text in body
    pdf_href = page.get_attribute(f"a[href^='{reverse('desk:daily_report_pdf')}']", "href")
    assert "from=1405%2F09%2F04" in pdf_href
    no_horizontal_overflow(page)
    shot(page, "desk-daily-report-1280")
