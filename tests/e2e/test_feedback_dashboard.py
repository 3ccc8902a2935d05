"""GIVEN a roads directorate whose desk staff were rated and whose applicants answered the
questionnaire over the last six Jalali months WHEN its supervisor logs in and opens the satisfaction
dashboard in Chromium THEN they see the key figures, the distribution, the monthly trend and the axes
as charts, drill down from the unit to its inner department and to an employee, go back up by the
trail, and download the same figures as an Excel workbook. No page scrolls sideways at 360 px.
Screenshots: test-artifacts/feedback-dashboard-*.png."""

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from apps.core.forms import period_error
from apps.feedback.dashboards import period_default
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    StaffQRCodeFactory,
    StaffRatingFactory,
    registered_request,
    report_answers_at,
    staff_user,
)
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs

# Per employee: the scores given, cycled over the six months (the first month gets the first score …).
PEOPLE = [
    ("سیدمحمدرضا", "میرحسینی‌نژاد", "کارشناس مسئول امور املاک", (5, 4, 5, 5, 4, 5, 4, 5)),
    ("فاطمه", "کریمی", "کارشناس صدور پروانه", (4, 4, 3, 5, 4, 4)),
    ("علی", "رضایی", "کارپرداز", (2, 3, 2, 1, 3, 2, 2)),
    ("زهرا", "احمدی", "کارشناس پذیرش", (3, 4, 3, 3, 2, 4)),
]


@pytest.fixture
def directorate(db):
    province = ProvinceFactory(code="IR-02", name_fa="مازندران", name_en="Mazandaran")
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران")
    unit = OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=body, province=province)
    department = DepartmentFactory(name="اداره املاک و حقوقی", parent=unit)
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="مریم", last_name="صالحی")
    months = [m.start for m in _months()]
    people = []
    for n, (first, last, post, scores) in enumerate(PEOPLE):
        member = StaffFactory(
            unit=department if n in (1, 2) else unit, first_name=first, last_name=last, post=post
        )
        code = StaffQRCodeFactory(staff=member)
        for i, score in enumerate(scores * 2):
            day = months[i % len(months)] + dt.timedelta(days=3 + i)
            StaffRatingFactory(code=code, score=score, created_at=_at(day))
        people.append(member)
    StaffRatingFactory(code=people[0].qr_codes.get(), score=1, created_at=_at(months[-1]), flagged=True)
    for i, value in enumerate((5, 4, 4, 3, 5, 4, 2, 4, 5, 3)):
        day = months[i % len(months)] + dt.timedelta(days=5)
        report_answers_at(
            registered_request(unit=unit if i % 3 else department, stages=1), at=_at(day), value=value
        )
    return {"unit": unit, "department": department, "supervisor": supervisor, "people": people}


def _months():
    from apps.feedback.dashboards import period_months

    return period_months(period_default())


def _at(day: dt.date) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(10, 30), tzinfo=timezone.get_default_timezone())
    return min(moment, timezone.now() - dt.timedelta(minutes=5))


def test_supervisor_reads_the_dashboard_drills_down_and_downloads_excel(
    page, live_server, login, directorate, shot, no_horizontal_overflow
):
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    login(page, directorate["supervisor"].user)

    page.goto(f"{live_server.url}/feedback/dashboard/")
    expect(page.locator("h1")).to_contain_text(directorate["unit"].name)
    assert page.locator("svg.fd-col").count() == 6  # six months of trend
    assert page.locator(".fd-dist svg.rp-bar").count() == 5  # the five scores
    assert page.locator(".fd-kpis .rp-kpi").count() == 5
    assert page.locator("#fd-axes ~ table svg.rp-bar").count() == 7  # six axes and the overall index
    main = page.inner_text("main")
    assert _fa("Lowest rated") in main
    assert directorate["people"][2].full_name in main  # the lowest-rated employee
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-unit-1280")

    page.set_viewport_size(PHONE)
    page.reload()
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-unit-360")
    page.set_viewport_size(DESKTOP)

    # One level down: the lowest-rated employee's own dashboard.
    lowest = directorate["people"][2]
    page.locator(".fd-rows a", has_text=lowest.full_name).first.click()
    expect(page.locator("h1")).to_contain_text(lowest.full_name)
    assert page.locator("svg.fd-col").count() == 6
    expect(page.get_by_role("link", name=_fa("Comments and latest ratings"))).to_be_visible()
    trail = page.locator(".fd-trail a")
    expect(trail).to_have_count(3)  # body › unit › department
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-staff-1280")

    page.set_viewport_size(PHONE)
    page.reload()
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-staff-360")
    page.set_viewport_size(DESKTOP)

    # Back up through the trail to the department, then the filter form to its body.
    trail.last.click()
    expect(page.locator("h1")).to_contain_text(directorate["department"].name)
    page.select_option("#fd-level", "body")
    page.get_by_role("button", name=_fa("Show")).click()
    expect(page.locator("h1")).to_contain_text(directorate["unit"].body.name_fa)
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-body-1280")

    with page.expect_download() as info:
        page.get_by_role("link", name=_fa("Download Excel")).click()
    download = info.value
    assert download.suggested_filename.startswith(f"satisfaction-body-{directorate['unit'].body_id}-")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    assert book.worksheets[0].sheet_view.rightToLeft
    counted = sum(len(scores) * 2 for *_name, scores in PEOPLE)
    rows = [[c for c in row if c is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert any(row[-1:] == [counted] and len(row) == 2 for row in rows)


def test_a_bad_period_is_explained_and_nothing_overflows_on_a_phone(
    page, live_server, login, directorate, shot, no_horizontal_overflow
):
    page.set_default_timeout(WAIT)
    page.set_viewport_size(PHONE)
    login(page, directorate["supervisor"].user)
    response = page.goto(f"{live_server.url}/feedback/dashboard/?period=1405-Z1")
    assert response.status == 400
    with translation.override("fa"):
        expect(page.locator(".fd-errors")).to_contain_text(str(period_error()))
    no_horizontal_overflow(page)
    shot(page, "feedback-dashboard-error-360")
