"""Table 2, the daily report of desk staff: the selector's rows and SQL totals over Tehran days, its
scoping, the clerk's default, the screen, the PDF and the Excel workbook, and wrong input.

The fixture registers requests through the real service and then moves their dates to known values
(registration stamps "now"), so every figure below can be worked out by hand.
"""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.core.jalali import format_date, jalali_to_gregorian
from apps.core.text import to_persian_digits
from apps.desk.daily_report import MAX_DAYS, Totals, daily_report
from apps.desk.models import ServiceRequest
from apps.orgs import roles
from apps.orgs.models import OrgUnit
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
    staff_user,
)
from tests.pdf_utils import extracted, keep_pdf, pdf_page_size_mm, pdf_text

TEHRAN = ZoneInfo("Asia/Tehran")
DAY = jalali_to_gregorian(1405, 9, 4)
PAGE = reverse("desk:daily_report")
PDF = reverse("desk:daily_report_pdf")
XLSX = reverse("desk:daily_report_xlsx")


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime from a Jalali date and a Tehran wall-clock time."""
    return dt.datetime.combine(jalali_to_gregorian(year, month, day), dt.time(hour, minute), tzinfo=TEHRAN)


def request_at(
    *, clerk, service, received, promised, answered=None, delivered=None, unit=None
) -> ServiceRequest:
    sr = registered_request(service=service, clerk=clerk, unit=unit or clerk.unit)
    ServiceRequest.objects.filter(pk=sr.pk).update(
        received_at=received,
        first_stage_at=received,
        promised_at=promised,
        answered_at=answered,
        delivered_at=delivered,
    )
    sr.refresh_from_db()
    return sr


@pytest.fixture
def desk(db):
    """The desk of a registry office in Mazandaran: two clerks, a supervisor, four requests on
    1405/09/04 (Maryam: on time + delivered, late, open; Ali: on time + delivered), one a minute
    before that day, one just after it, and one at a desk in another province the same day."""
    body = BodyFactory(name_fa="اداره کل ثبت اسناد و املاک استان مازندران")
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری", body=body)
    service = SubServiceFactory(body=body, code="11020031", title="صدور سند مالکیت")
    for order in (1, 2):
        WorkflowStageFactory(service=service, order=order, responsible_unit=unit)
    maryam = staff_user(roles.DESK_CLERK, unit=unit, first_name="مریم", last_name="احمدی")
    ali = staff_user(roles.DESK_CLERK, unit=unit, first_name="علی", last_name="کریمی")
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی")
    m1 = request_at(
        clerk=maryam,
        service=service,
        received=at(1405, 9, 4, 8, 30),
        promised=at(1405, 9, 10, 14),
        answered=at(1405, 9, 8, 10),
        delivered=at(1405, 9, 9, 9),
    )
    m2 = request_at(
        clerk=maryam,
        service=service,
        received=at(1405, 9, 4, 11),
        promised=at(1405, 9, 6, 14),
        answered=at(1405, 9, 7, 12),
    )
    m3 = request_at(
        clerk=maryam, service=service, received=at(1405, 9, 4, 13, 15), promised=at(1405, 9, 12, 14)
    )
    a1 = request_at(
        clerk=ali,
        service=service,
        received=at(1405, 9, 4, 9),
        promised=at(1405, 9, 8, 14),
        answered=at(1405, 9, 5, 10),
        delivered=at(1405, 9, 5, 11),
    )
    before = request_at(
        clerk=maryam, service=service, received=at(1405, 9, 3, 23, 50), promised=at(1405, 9, 9, 14)
    )
    # 00:10 in Tehran is still the 4th in UTC (20:40): it must count for the 5th.
    after = request_at(
        clerk=maryam, service=service, received=at(1405, 9, 5, 0, 10), promised=at(1405, 9, 9, 14)
    )
    far_clerk = staff_user(roles.DESK_CLERK, unit=OrgUnitFactory(), first_name="رضا", last_name="نوری")
    far = request_at(clerk=far_clerk, service=None, received=at(1405, 9, 4, 10), promised=at(1405, 9, 9, 14))
    return {
        "unit": unit,
        "service": service,
        "maryam": maryam,
        "ali": ali,
        "supervisor": supervisor,
        "m1": m1,
        "m2": m2,
        "m3": m3,
        "a1": a1,
        "before": before,
        "after": after,
        "far": far,
        "far_clerk": far_clerk,
    }


def codes(report) -> list[str]:
    return [row.tracking_code for row in report.rows]


# --- the selector ---------------------------------------------------------------------------------


def test_report_lists_each_clerks_requests_of_the_tehran_day_in_order_with_their_dates(desk):
    report = daily_report(user=desk["supervisor"].user, start=DAY, end=DAY)

    assert [s.name for s in report.sections] == ["مریم احمدی", "علی کریمی"]
    assert [[r.tracking_code for r in s.rows] for s in report.sections] == [
        [desk["m1"].tracking_code, desk["m2"].tracking_code, desk["m3"].tracking_code],
        [desk["a1"].tracking_code],
    ]
    first = report.sections[0].rows[0]
    assert (first.service.code, first.service.title) == ("11020031", "صدور سند مالکیت")
    assert (
        first.received_at,
        first.promised_at,
        first.first_stage_at,
        first.answered_at,
        first.delivered_at,
    ) == (
        at(1405, 9, 4, 8, 30),
        at(1405, 9, 10, 14),
        at(1405, 9, 4, 8, 30),
        at(1405, 9, 8, 10),
        at(1405, 9, 9, 9),
    )


def test_totals_per_clerk_and_for_the_whole_desk_count_received_answered_delivered_and_on_time(desk):
    report = daily_report(user=desk["supervisor"].user, start=DAY, end=DAY)

    assert [s.totals for s in report.sections] == [
        Totals(received=3, answered=2, delivered=1, on_time=1),
        Totals(received=1, answered=1, delivered=1, on_time=1),
    ]
    assert report.totals == Totals(received=4, answered=3, delivered=2, on_time=2)


def test_requests_just_before_and_after_tehran_midnight_belong_to_their_own_days(desk):
    user = desk["supervisor"].user

    day_before = daily_report(
        user=user, start=jalali_to_gregorian(1405, 9, 3), end=jalali_to_gregorian(1405, 9, 3)
    )
    day_after = daily_report(
        user=user, start=jalali_to_gregorian(1405, 9, 5), end=jalali_to_gregorian(1405, 9, 5)
    )
    three_days = daily_report(
        user=user, start=jalali_to_gregorian(1405, 9, 3), end=jalali_to_gregorian(1405, 9, 5)
    )

    assert codes(day_before) == [desk["before"].tracking_code]
    assert codes(day_after) == [desk["after"].tracking_code]
    assert three_days.totals.received == 6


def test_report_of_one_clerk_has_only_their_rows(desk):
    report = daily_report(user=desk["supervisor"].user, start=DAY, end=DAY, clerk_id=desk["ali"].pk)

    assert codes(report) == [desk["a1"].tracking_code]
    assert report.totals == Totals(received=1, answered=1, delivered=1, on_time=1)


def test_a_request_at_a_desk_of_another_province_is_absent(desk):
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=desk["unit"].province))

    for user in (desk["supervisor"].user, auditor.user):
        report = daily_report(user=user, start=DAY, end=DAY)
        assert desk["far"].tracking_code not in codes(report)
        assert report.totals.received == 4
    # Naming the other desk or its clerk does not reach past the scope either.
    assert daily_report(user=auditor.user, start=DAY, end=DAY, unit_id=desk["far"].unit_id).rows == []
    assert daily_report(user=auditor.user, start=DAY, end=DAY, clerk_id=desk["far_clerk"].pk).rows == []


def test_selector_reads_in_three_queries_whatever_the_number_of_rows(desk, django_assert_num_queries):
    user = desk["supervisor"].user
    daily_report(user=user, start=DAY, end=DAY)  # the user's roles, staff and unit are cached on it

    with django_assert_num_queries(3):
        report = daily_report(user=user, start=DAY, end=DAY)
        [row.service.title for row in report.rows]


def test_selector_refuses_a_period_longer_than_the_limit(desk):
    with pytest.raises(ValueError, match="at most 93 days"):
        daily_report(user=desk["supervisor"].user, start=DAY, end=DAY + dt.timedelta(days=MAX_DAYS))


# --- the screen -----------------------------------------------------------------------------------


def test_without_parameters_the_report_is_of_today(client, desk):
    client.force_login(desk["ali"].user)

    page = client.get(PAGE)

    assert page.status_code == 200
    assert page.context["report"].start == page.context["report"].end == timezone.localdate()
    assert page.context["form"]["from"].value() == to_persian_digits(
        format_date(timezone.localdate(), persian_digits=False)
    )


def test_clerk_sees_only_own_rows_by_default(client, desk):
    client.force_login(desk["ali"].user)

    page = client.get(PAGE, {"from": "1405/09/04"})

    assert page.status_code == 200
    assert codes(page.context["report"]) == [desk["a1"].tracking_code]
    assert page.context["clerk"] == desk["ali"]
    assert page.context["form"]["clerk"].value() == str(desk["ali"].pk)


def test_clerk_sees_the_whole_desk_when_choosing_it(client, desk):
    client.force_login(desk["ali"].user)

    page = client.get(PAGE, {"from": "1405/09/04", "clerk": "all"})

    assert page.context["report"].totals.received == 4
    assert desk["far"].tracking_code not in codes(page.context["report"])


def test_supervisor_sees_the_whole_desk_of_their_unit_by_default(client, desk):
    client.force_login(desk["supervisor"].user)

    page = client.get(PAGE, {"from": "1405/09/04"})

    assert page.context["unit"] == desk["unit"]
    assert page.context["clerk"] is None
    assert page.context["report"].totals.received == 4


def test_supervisor_picking_a_clerk_of_a_county_office_below_sees_their_rows(client, desk):
    county = OrgUnitFactory(
        parent=desk["unit"],
        level=OrgUnit.Level.COUNTY,
        body=desk["unit"].body,
        province=desk["unit"].province,
    )
    reza = staff_user(roles.DESK_CLERK, unit=county, first_name="رضا", last_name="اکبری")
    sr = request_at(
        clerk=reza, service=desk["service"], received=at(1405, 9, 4, 10), promised=at(1405, 9, 9, 14)
    )
    client.force_login(desk["supervisor"].user)

    page = client.get(PAGE, {"from": "1405/09/04", "clerk": str(reza.pk), "unit": str(desk["unit"].pk)})

    assert codes(page.context["report"]) == [sr.tracking_code]
    assert page.context["unit"] is None
    assert page.context["clerk"] == reza


def test_clerk_of_another_province_cannot_be_picked(client, desk):
    client.force_login(desk["supervisor"].user)

    page = client.get(PAGE, {"from": "1405/09/04", "clerk": str(desk["far_clerk"].pk)})

    assert page.status_code == 400
    assert "clerk" in page.context["form"].errors
    assert "report" not in page.context


def test_screen_shows_jalali_dates_and_codes_in_persian_digits(client, desk):
    client.force_login(desk["supervisor"].user)

    html = client.get(PAGE, {"from": "۱۴۰۵/۰۹/۰۴"}).content.decode()

    assert to_persian_digits(desk["m1"].tracking_code) in html
    assert "۱۴۰۵/۰۹/۰۸" in html  # m1 answered
    assert "۱۴۰۵/۰۹/۱۰" in html  # m1 promised
    assert "مریم احمدی" in html
    assert "علی کریمی" in html
    assert f"{PDF}?from=1405%2F09%2F04&amp;to=1405%2F09%2F04&amp;clerk=all&amp;unit={desk['unit'].pk}" in html


@pytest.mark.parametrize("value", ["1405/13/40", "فردا", "2026/11/25", "1405/09"])
def test_bad_dates_give_a_persian_form_error_instead_of_a_crash(client, desk, value):
    client.force_login(desk["supervisor"].user)

    for url in (PAGE, PDF, XLSX):
        page = client.get(url, {"from": value})
        assert page.status_code == 400
        assert page["Content-Type"].startswith("text/html")
        assert "لطفاً یک تاریخ شمسی معتبر" in page.content.decode()


def test_a_period_longer_than_93_days_or_ending_before_it_starts_is_refused(client, desk):
    client.force_login(desk["supervisor"].user)

    too_long = client.get(PAGE, {"from": "1405/01/01", "to": "1405/04/01"})
    backwards = client.get(PAGE, {"from": "1405/09/04", "to": "1405/09/01"})
    longest = client.get(PAGE, {"from": "1405/01/01", "to": "1405/03/31"})

    assert too_long.status_code == backwards.status_code == 400
    assert "to" in too_long.context["form"].errors
    assert "to" in backwards.context["form"].errors
    assert longest.status_code == 200


def test_unit_officer_may_not_open_the_report(client, desk):
    officer = staff_user(roles.UNIT_OFFICER, unit=desk["unit"])
    client.force_login(officer.user)

    assert client.get(PAGE).status_code == 403


def _more_requests(desk, n: int) -> None:
    for i in range(n):
        clerk = desk["maryam"] if i % 2 else desk["ali"]
        request_at(
            clerk=clerk,
            service=desk["service"],
            received=at(1405, 9, 4, 14, i % 60),
            promised=at(1405, 9, 10, 14),
            answered=at(1405, 9, 6, 9) if i % 3 else None,
        )


def test_screen_runs_the_same_queries_for_5_requests_as_for_50(client, desk):
    client.force_login(desk["supervisor"].user)
    params = {"from": "1405/09/04"}
    _more_requests(desk, 1)
    client.get(PAGE, params)  # warm up: session, templates
    with CaptureQueriesContext(connection) as small:
        page = client.get(PAGE, params)
    assert page.context["report"].totals.received == 5

    _more_requests(desk, 45)
    with CaptureQueriesContext(connection) as large:
        page = client.get(PAGE, params)
    assert page.context["report"].totals.received == 50
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# --- PDF and Excel --------------------------------------------------------------------------------


def test_pdf_is_a4_landscape_with_the_codes_jalali_dates_and_clerk_name(client, desk):
    _more_requests(desk, 8)
    client.force_login(desk["maryam"].user)

    response = client.get(PDF, {"from": "1405/09/04"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="daily-report-1405-09-04.pdf"' in response["Content-Disposition"]
    pdf = response.content
    keep_pdf(pdf, "daily-report-clerk")
    assert pdf_page_size_mm(pdf) == (297, 210)
    text = pdf_text(pdf)
    for sr in ("m1", "m2", "m3"):
        assert to_persian_digits(desk[sr].tracking_code) in text
    assert to_persian_digits(desk["a1"].tracking_code) not in text
    for date in ("۱۴۰۵/۰۹/۰۴", "۱۴۰۵/۰۹/۰۸", "۱۴۰۵/۰۹/۰۹", "۱۴۰۵/۰۹/۱۰"):
        assert date in text
    assert "مریم احمدی" in text
    for heading in ("شماره رسید", "عنوان خدمت", "تاریخ دریافت", "تاریخ تحویل", "تاریخ ارسال به اولین مرحله"):
        assert heading in text
    assert extracted(desk["unit"].body.name_fa) in text


def test_pdf_of_the_whole_desk_has_a_part_and_totals_per_clerk(client, desk):
    client.force_login(desk["supervisor"].user)

    pdf = client.get(PDF, {"from": "1405/09/04", "to": "1405/09/05"}).content
    keep_pdf(pdf, "daily-report-desk")

    text = pdf_text(pdf)
    assert "مریم احمدی" in text
    assert "علی کریمی" in text
    assert extracted("جمع کل میز خدمت") in text
    assert re.search(r"از\s*۱۴۰۵/۰۹/۰۴\s*تا\s*۱۴۰۵/۰۹/۰۵", text)
    for sr in ("m1", "a1", "after"):
        assert to_persian_digits(desk[sr].tracking_code) in text


def test_excel_has_one_rtl_sheet_with_the_rows_and_jalali_dates_as_text(client, desk):
    client.force_login(desk["supervisor"].user)

    response = client.get(XLSX, {"from": "1405/09/04"})

    assert response.status_code == 200
    assert "daily-report-1405-09-04.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 1
    sheet = workbook.active
    assert sheet.sheet_view.rightToLeft
    values = list(sheet.iter_rows(values_only=True))
    by_code = {row[2]: row for row in values if row[2] and str(row[2]).isdigit() and len(str(row[2])) == 11}
    assert set(by_code) == {desk[k].tracking_code for k in ("m1", "m2", "m3", "a1")}
    assert by_code[desk["m1"].tracking_code][1:] == (
        "مریم احمدی",
        desk["m1"].tracking_code,
        "11020031",
        "صدور سند مالکیت",
        "1405/09/04",
        "1405/09/10",
        "1405/09/04",
        "1405/09/08",
        "1405/09/09",
    )
    assert by_code[desk["m3"].tracking_code][8:] == (None, None)
    assert ("جمع کل میز خدمت", 4, 3, 2, 2) in [tuple(row[:5]) for row in values]
    assert ("مریم احمدی", 3, 2, 1, 1) in [tuple(row[:5]) for row in values]
