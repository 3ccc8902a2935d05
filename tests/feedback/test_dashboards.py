"""The satisfaction dashboards (issue #5 item 7): figures against numbers worked out by hand, Jalali
month buckets cut at Tehran midnight, held ratings left out, the lowest-rated rankings, what each role
may open (404 outside the area), the Excel file, and a query count that does not grow with the data."""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from apps.core.forms import period_error
from apps.core.jalali import Period, jalali_to_gregorian
from apps.feedback import dashboards as dash
from apps.feedback import indices
from apps.feedback.dashboards import DashboardScope, JalaliMonth, MonthSpan
from apps.feedback.models import SurveyResponse
from apps.orgs import roles
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    StaffQRCodeFactory,
    StaffRatingFactory,
    SubServiceFactory,
    SurveyResponseFactory,
    WorkflowStageFactory,
    registered_request,
    report_answers_at,
    staff_user,
)
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db

TEHRAN = timezone.get_default_timezone()
PERIOD = Period(1405, "Q", 3)  # Mehr, Aban, Azar 1405: 2026-09-23 … 2026-12-21
MEHR, ABAN, AZAR = JalaliMonth(1405, 7), JalaliMonth(1405, 8), JalaliMonth(1405, 9)


def tehran(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant given as a Jalali date and a Tehran wall-clock time."""
    return dt.datetime.combine(
        jalali_to_gregorian(year, month, day), dt.time(hour, minute, second), tzinfo=TEHRAN
    )


def rate(member, *scores, at: dt.datetime, **kwargs) -> None:
    code = member.qr_codes.first() or StaffQRCodeFactory(staff=member)
    for score in scores:
        StaffRatingFactory(code=code, score=score, created_at=at, **kwargs)


def questionnaire_at(unit, *, at: dt.datetime, value: int):
    return report_answers_at(registered_request(unit=unit, stages=1), at=at, value=value)


@pytest.fixture
def world(db):
    """Mazandaran: the roads directorate's provincial unit with an inner department, three employees.
    Gilan: another body's unit and employee (outside a Mazandaran supervisor's or auditor's area)."""
    mazandaran = ProvinceFactory(code="IR-02", name_fa="مازندران")
    gilan = ProvinceFactory(code="IR-01", name_fa="گیلان")
    roads = BodyFactory(name_fa="اداره کل راه و شهرسازی مازندران")
    unit = OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=roads, province=mazandaran)
    department = DepartmentFactory(name="اداره املاک", parent=unit)
    other_unit = OrgUnitFactory(name="اداره ثبت رشت", province=gilan)
    return SimpleNamespace(
        mazandaran=mazandaran,
        gilan=gilan,
        roads=roads,
        unit=unit,
        department=department,
        other_unit=other_unit,
        maryam=StaffFactory(unit=unit, first_name="مریم", last_name="احمدی"),
        ali=StaffFactory(unit=department, first_name="علی", last_name="کریمی"),
        zahra=StaffFactory(unit=department, first_name="زهرا", last_name="رضایی"),
        outsider=StaffFactory(unit=other_unit, first_name="حسین", last_name="محمدی"),
    )


@pytest.fixture
def rated(world):
    """Counted in the unit's Q3 1405: 5 and 4 in Aban (one a second before Azar begins), 2 and 3 in
    Azar (the first at ten past midnight). Left out: a held burst rating, a rejected one, a rating
    before the period and one in Gilan."""
    rate(world.maryam, 5, at=tehran(1405, 8, 10))
    rate(world.ali, 4, at=tehran(1405, 8, 30, 23, 59, 59))
    rate(world.ali, 2, at=tehran(1405, 9, 1, 0, 10))
    rate(world.zahra, 3, at=tehran(1405, 9, 15))
    rate(world.maryam, 1, at=tehran(1405, 9, 16), flagged=True, flag_reason="burst")
    rate(world.zahra, 1, at=tehran(1405, 9, 16), flagged=True, reviewed_at=timezone.now())
    rate(world.maryam, 1, at=tehran(1405, 6, 31, 23, 0))
    rate(world.outsider, 1, at=tehran(1405, 9, 2))
    return world


@pytest.fixture
def supervisor_of(world):
    return staff_user(roles.BODY_SUPERVISOR, unit=world.unit).user


# --- periods ----------------------------------------------------------------------------------------------------


def test_default_period_is_the_current_jalali_month_and_the_five_before_it():
    span = dash.period_default(dt.date(2026, 11, 25))  # 1405/09/04
    assert (span.first, span.last) == (JalaliMonth(1405, 4), AZAR)
    assert (span.start, span.end) == (dt.date(2026, 6, 22), dt.date(2026, 12, 21))
    across_new_year = dash.period_default(dt.date(2026, 4, 30))  # 1405/02/10
    assert dash.period_months(across_new_year) == [
        JalaliMonth(1404, 9), JalaliMonth(1404, 10), JalaliMonth(1404, 11),
        JalaliMonth(1404, 12), JalaliMonth(1405, 1), JalaliMonth(1405, 2),
    ]  # fmt: skip


def test_period_months_follow_the_jalali_calendar():
    assert dash.period_months(PERIOD) == [MEHR, ABAN, AZAR]
    assert dash.period_months(Period(1403, "B", 6)) == [JalaliMonth(1403, 11), JalaliMonth(1403, 12)]
    # 1403 is a leap year: Esfand has 30 days.
    assert JalaliMonth(1403, 12).end == dt.date(2025, 3, 20)
    assert MonthSpan(MEHR, AZAR).start == PERIOD.start
    assert MonthSpan(MEHR, AZAR).end == PERIOD.end


# --- figures ----------------------------------------------------------------------------------------------------


def test_unit_figures_match_the_hand_computation(rated, supervisor_of):
    board = dash.dashboard_get(user=supervisor_of, scope=DashboardScope(dash.UNIT, rated.unit), period=PERIOD)

    assert board.ratings.count == 4
    assert board.ratings.average == 3.5  # (5 + 4 + 2 + 3) / 4
    assert board.ratings.distribution == {5: 1, 4: 1, 3: 1, 2: 1, 1: 0}
    assert board.ratings.held == 1  # the rejected one waits for nothing
    assert [(m.month, m.ratings, m.rating_average) for m in board.months] == [
        (MEHR, 0, None),
        (ABAN, 2, 4.5),  # 5 and the 4 given at 23:59:59 on 30 Aban
        (AZAR, 2, 2.5),  # 2 (ten past midnight on 1 Azar) and 3
    ]


def test_a_month_starts_at_tehran_midnight_not_utc_midnight(world, supervisor_of):
    # 20:30 UTC on 21 November is 00:00 on 1 Azar in Tehran.
    rate(world.maryam, 5, at=dt.datetime(2026, 11, 21, 20, 29, 59, tzinfo=dt.UTC))
    rate(world.maryam, 1, at=dt.datetime(2026, 11, 21, 20, 30, 0, tzinfo=dt.UTC))
    board = dash.dashboard_get(user=supervisor_of, scope=DashboardScope(dash.UNIT, world.unit), period=PERIOD)
    assert [(m.ratings, m.rating_average) for m in board.months] == [(0, None), (1, 5.0), (1, 1.0)]


def test_questionnaire_index_per_month_and_axis_agree_with_the_indices_module(world, supervisor_of):
    # Aban: everything "very much" → 100 on 12 questions, 0 on the 4 reverse-scored ones: 75.
    questionnaire_at(world.unit, at=tehran(1405, 8, 30, 23, 50), value=5)
    # Azar: everything "moderately" → 50 everywhere.
    questionnaire_at(world.department, at=tehran(1405, 9, 1, 0, 5), value=3)
    questionnaire_at(world.other_unit, at=tehran(1405, 9, 2), value=1)  # Gilan: not in this unit

    scope = DashboardScope(dash.UNIT, world.unit)
    board = dash.dashboard_get(user=supervisor_of, scope=scope, period=PERIOD)

    assert [(m.responses, m.index) for m in board.months] == [(0, None), (1, 75.0), (1, 50.0)]
    assert board.responses == 2
    # Per question over the quarter: 75 on normal questions, 25 on reverse ones → (12·75 + 4·25) / 16.
    assert board.index == pytest.approx(62.5)
    answers = indices.answers_in_scope(user=supervisor_of, unit=world.unit, period=PERIOD)
    assert board.index == pytest.approx(indices.overall_index(answers))
    assert board.axes == indices.axis_indices(answers)
    assert len(board.axes) == 6


def test_an_employee_dashboard_has_ratings_and_no_questionnaire(rated, supervisor_of):
    board = dash.dashboard_get(user=supervisor_of, scope=DashboardScope(dash.STAFF, rated.ali), period=PERIOD)
    assert (board.ratings.count, board.ratings.average) == (2, 3.0)
    assert board.responses is None
    assert board.axes == []
    assert board.lowest_staff is None
    assert board.lowest_units is None
    assert board.children == []


def test_province_breakdown_lists_bodies_and_national_breakdown_lists_provinces(rated):
    national = staff_user(roles.NATIONAL_AUDITOR, unit=OrgUnitFactory(province=None, level="hq")).user
    province = dash.dashboard_get(
        user=national, scope=DashboardScope(dash.PROVINCE, rated.mazandaran), period=PERIOD
    )
    assert [(r.level, r.pk, r.ratings, r.average) for r in province.children] == [
        (dash.BODY, rated.roads.pk, 4, 3.5)
    ]
    country = dash.dashboard_get(user=national, scope=DashboardScope(dash.NATION), period=PERIOD)
    assert {(r.pk, r.ratings, r.average) for r in country.children} == {
        (rated.mazandaran.pk, 4, 3.5),
        (rated.gilan.pk, 1, 1.0),
    }
    assert country.ratings.count == 5


def test_lowest_rated_need_the_minimum_count_and_tie_on_more_ratings(world, supervisor_of):
    at = tehran(1405, 8, 5)
    sara, reza = StaffFactory(unit=world.department), StaffFactory(unit=world.department)
    rate(world.maryam, 1, at=at)  # one angry rating: not ranked
    rate(world.ali, 2, 3, at=at)  # 2.5 of 2 ratings
    rate(world.zahra, 3, 2, 2, 3, at=at)  # 2.5 of 4 ratings: before Ali
    rate(sara, 4, 5, 3, at=at)  # 4.0
    rate(reza, 5, 5, at=at)
    rate(reza, 1, 1, 1, at=at, flagged=True)  # held: Reza stays at 5.0
    scope = DashboardScope(dash.UNIT, world.unit)

    lowest = dash.dashboard_lowest_staff(user=supervisor_of, scope=scope, period=PERIOD, min_ratings=2)

    assert [(r.pk, r.ratings, r.average) for r in lowest] == [
        (world.zahra.pk, 4, 2.5),
        (world.ali.pk, 2, 2.5),
        (sara.pk, 3, 4.0),
        (reza.pk, 2, 5.0),
    ]
    units = dash.dashboard_lowest_units(user=supervisor_of, scope=scope, period=PERIOD, min_ratings=2)
    # The department: 2, 3, 3, 2, 2, 3, 4, 5, 3, 5, 5 → 37 / 11; the unit itself has one rating only.
    assert [(r.pk, r.ratings, r.average) for r in units] == [(world.department.pk, 11, round(37 / 11, 2))]


# --- scoping -----------------------------------------------------------------------------------------------------


def _urls(world) -> dict[str, str]:
    url = reverse("feedback:dashboard")
    return {
        "employee": f"{url}?level=staff&staff={world.ali.pk}",
        "unit": f"{url}?level=unit&unit={world.department.pk}",
        "body": f"{url}?level=body&body={world.roads.pk}",
        "province": f"{url}?level=province&province={world.mazandaran.pk}",
    }


def test_a_provincial_auditor_of_another_province_gets_404_for_everything_in_mazandaran(client, rated):
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=rated.other_unit)
    client.force_login(auditor.user)
    for what, url in _urls(rated).items():
        assert client.get(url).status_code == 404, what
    assert (
        client.get(reverse("feedback:dashboard_xlsx") + f"?level=unit&unit={rated.unit.pk}").status_code
        == 404
    )
    assert client.get(reverse("feedback:dashboard") + "?level=nation").status_code == 404
    # Their own province opens by default and counts Gilan only.
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    assert page.status_code == 200
    assert page.context["scope"].obj == rated.gilan
    assert page.context["board"].ratings.count == 1


def test_a_desk_clerk_gets_404_outside_their_unit_and_403_inside_it(client, rated):
    clerk = staff_user(roles.DESK_CLERK, unit=rated.other_unit)
    client.force_login(clerk.user)
    for what, url in _urls(rated).items():
        assert client.get(url).status_code == 404, what
    # Their own unit exists for them, but the dashboard is not a clerk's page.
    assert client.get(reverse("feedback:dashboard")).status_code == 403
    assert (
        client.get(reverse("feedback:dashboard") + f"?level=unit&unit={rated.other_unit.pk}").status_code
        == 403
    )


def test_a_supervisor_sees_their_unit_but_not_the_province_or_the_country(client, rated, supervisor_of):
    client.force_login(supervisor_of)
    urls = _urls(rated)
    assert client.get(urls["employee"]).status_code == 200
    assert client.get(urls["unit"]).status_code == 200
    assert client.get(urls["body"]).status_code == 200
    assert client.get(urls["province"]).status_code == 404
    assert client.get(reverse("feedback:dashboard") + "?level=province").status_code == 404
    assert client.get(reverse("feedback:dashboard") + "?level=nation").status_code == 404
    outsider = reverse("feedback:dashboard") + f"?level=staff&staff={rated.outsider.pk}"
    assert client.get(outsider).status_code == 404


def test_a_unit_officer_sees_their_unit_and_themselves_but_not_colleagues(client, rated):
    officer = staff_user(roles.UNIT_OFFICER, unit=rated.unit)
    client.force_login(officer.user)
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    assert page.status_code == 200
    board = page.context["board"]
    assert board.ratings.count == 4
    assert board.lowest_staff is None
    assert board.child_level is None
    assert rated.ali.full_name not in page.content.decode()
    assert client.get(_urls(rated)["employee"]).status_code == 404
    own = reverse("feedback:dashboard") + f"?level=staff&staff={officer.pk}"
    assert client.get(own).status_code == 200


def test_selectors_refuse_objects_outside_the_area(rated, supervisor_of):
    from django.core.exceptions import ObjectDoesNotExist

    for level, pk in [
        (dash.STAFF, rated.outsider.pk),
        (dash.UNIT, rated.other_unit.pk),
        (dash.PROVINCE, rated.mazandaran.pk),
        (dash.NATION, None),
    ]:
        with pytest.raises(ObjectDoesNotExist):
            dash.dashboard_scope_get(user=supervisor_of, level=level, pk=pk)


# --- the page -----------------------------------------------------------------------------------------------------


def test_the_page_shows_charts_and_links_one_level_down_and_up(client, rated, supervisor_of):
    client.force_login(supervisor_of)
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    body = page.content.decode()
    assert page.status_code == 200
    assert page.context["scope"] == DashboardScope(dash.UNIT, rated.unit)
    assert body.count('class="fd-col"') == 3  # a column pair per month
    assert body.count('class="rp-bar"') >= 5  # the distribution at least
    assert " style=" not in body  # the Content-Security-Policy forbids inline styles
    employee = f"?level=staff&amp;staff={rated.ali.pk}&amp;period=1405-Q3"
    assert employee in body

    page = client.get(
        reverse("feedback:dashboard"), {"level": "staff", "staff": rated.ali.pk, "period": "1405-Q3"}
    )
    trail = [(s.level, s.pk) for s, _url in page.context["trail"]]
    assert trail == [
        (dash.BODY, rated.roads.pk),
        (dash.UNIT, rated.unit.pk),
        (dash.UNIT, rated.department.pk),
    ]


def test_choosing_a_broader_level_opens_the_one_containing_the_current_object(client, rated, supervisor_of):
    client.force_login(supervisor_of)
    page = client.get(reverse("feedback:dashboard"), {"level": "body", "unit": rated.department.pk})
    assert page.context["scope"] == DashboardScope(dash.BODY, rated.roads)
    # A narrower level without its object: the page stays and asks to choose from the unit's employees.
    page = client.get(reverse("feedback:dashboard"), {"level": "staff", "unit": rated.department.pk})
    assert page.context["scope"].level == dash.UNIT
    assert page.context["choose"]
    assert {pk for pk, _name in page.context["choices"]} == {rated.ali.pk, rated.zahra.pk}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "1405-X9"}, period_error),
        ({"period": "1499-H1"}, "This period has not started yet: choose a period up to the current one."),
        ({"level": "unit", "unit": "دوازده"}, "Choose an item from the list."),
        ({"level": "county"}, "Choose one of the levels in the list."),
    ],
)
def test_invalid_filters_are_explained_in_the_page_language(client, supervisor_of, params, message):
    client.force_login(supervisor_of)
    page = client.get(reverse("feedback:dashboard"), params)
    assert page.status_code == 400
    if callable(message):
        with translation.override("fa"):
            message = str(message())
        assert "-Q1\u2069" in message  # an example code, isolated from the Persian around it
    else:
        message = _fa(message)
    assert message in page.content.decode()
    assert "None:" not in page.content.decode()  # every error is labelled with its field


@pytest.mark.parametrize(
    ("role", "level"),
    [
        (roles.BODY_SUPERVISOR, dash.UNIT),
        (roles.UNIT_OFFICER, dash.UNIT),
        (roles.PROVINCIAL_AUDITOR, dash.PROVINCE),
        (roles.NATIONAL_AUDITOR, dash.NATION),
        (roles.ADMINISTRATOR, dash.NATION),
    ],
)
def test_every_dashboard_role_opens_their_own_area_by_default(client, world, role, level):
    member = staff_user(role, unit=world.unit)
    client.force_login(member.user)
    page = client.get(reverse("feedback:dashboard"))
    assert page.status_code == 200
    assert page.context["scope"].level == level


# --- Excel --------------------------------------------------------------------------------------------------------


def test_excel_export_has_the_same_figures(client, rated, supervisor_of):
    questionnaire_at(rated.unit, at=tehran(1405, 8, 12), value=5)
    client.force_login(supervisor_of)
    response = client.get(
        reverse("feedback:dashboard_xlsx"), {"level": "unit", "unit": rated.unit.pk, "period": "1405-Q3"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"satisfaction-unit-{rated.unit.pk}-1405-Q3.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    assert len(book.worksheets) == 6  # summary, trend, axes, lowest, breakdown, suggestions

    def values(sheet) -> list[list]:
        return [[c for c in row if c not in (None, "")] for row in sheet.iter_rows(values_only=True)]

    summary = values(book.worksheets[0])
    assert [gettext("Staff rating average (1–5)"), 3.5] in summary
    assert [gettext("Counted ratings"), 4] in summary
    assert [gettext("Held for review"), 1] in summary
    assert [gettext("Questionnaires"), 1] in summary
    assert [gettext("Satisfaction index (0–100)"), 75] in summary
    assert [5, 1, 25] in summary
    assert [1, 0, 0] in summary
    trend = values(book.worksheets[1])
    assert [row[3:] for row in trend[-3:]] == [
        [0, 0],
        [2, 4.5, 1, 75],
        [2, 2.5, 0],
    ]  # ratings, average, questionnaires, index
    axes = values(book.worksheets[2])
    assert len([row for row in axes if len(row) == 3]) == 1 + 6 + 1  # header, six axes, overall
    lowest = values(book.worksheets[3])
    assert [
        gettext("Unit"),
        gettext("Executive body"),
        gettext("Ratings"),
        gettext("Average (1–5)"),
    ] in lowest
    breakdown = values(book.worksheets[4])
    assert any(row[:1] == [rated.ali.full_name] and row[-2:] == [2, 3] for row in breakdown)


# --- citizens' suggestions ------------------------------------------------------------------------------------


def suggest(unit, text: str, *, at: dt.datetime, service=None, **kwargs) -> SurveyResponse:
    """A questionnaire of a request at `unit` submitted at `at` with the suggestion `text`."""
    if service is None:
        service = SubServiceFactory(body=unit.body, title="صدور گواهی عدم خلافی")
        WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    sr = registered_request(unit=unit, service=service)
    return SurveyResponseFactory(request=sr, submitted_at=at, suggestions=text, **kwargs)


@pytest.fixture
def suggested(world):
    """Suggestions in Q3 1405: one at the unit (Aban), one at its department (Azar, on paper), one in
    Gilan; left out: one before the period and a questionnaire without a suggestion."""
    return SimpleNamespace(
        unit=suggest(world.unit, "ساعت کاری میز خدمت تا ۱۶ تمدید شود", at=tehran(1405, 8, 12)),
        department=suggest(world.department, "صندلی انتظار کافی نیست", at=tehran(1405, 9, 3), source="paper"),
        gilan=suggest(world.other_unit, "پارکینگ ندارد", at=tehran(1405, 9, 4)),
        before=suggest(world.unit, "پیشنهاد قدیمی", at=tehran(1405, 6, 20)),
        blank=suggest(world.unit, "", at=tehran(1405, 9, 5)),
    )


def test_citizens_suggestions_are_shown_for_the_area_and_period_newest_first(
    client, suggested, world, supervisor_of
):
    """
    GIVEN questionnaires with suggestions in the unit, its department, another province and an
      earlier period
    WHEN the unit's supervisor opens the unit's dashboard for Q3 1405, then the department's
    THEN the unit's shows the department's and the unit's suggestions, newest first, with date,
      service and unit; the department's shows its own; nothing from Gilan or before the period
    """
    client.force_login(supervisor_of)
    with translation.override("fa"):
        page = client.get(
            reverse("feedback:dashboard"), {"level": "unit", "unit": world.unit.pk, "period": "1405-Q3"}
        )
    board = page.context["board"]
    assert [r.pk for r in board.suggestions] == [suggested.department.pk, suggested.unit.pk]
    assert board.suggestion_count == 2
    html = page.content.decode()
    assert "ساعت کاری میز خدمت تا ۱۶ تمدید شود" in html
    assert "صندلی انتظار کافی نیست" in html
    assert "پارکینگ ندارد" not in html
    assert "پیشنهاد قدیمی" not in html
    assert _fa("Citizens' suggestions") in html
    assert "صدور گواهی عدم خلافی" in html
    assert world.department.name in html

    page = client.get(
        reverse("feedback:dashboard"), {"level": "unit", "unit": world.department.pk, "period": "1405-Q3"}
    )
    assert [r.pk for r in page.context["board"].suggestions] == [suggested.department.pk]


def test_suggestions_outside_a_users_area_are_never_shown(client, suggested, world):
    """A supervisor of the Gilan unit sees Gilan's suggestion; a Mazandaran supervisor asking for
    the Gilan unit gets 404, and a national auditor's country dashboard has all three."""
    gilan = staff_user(roles.BODY_SUPERVISOR, unit=world.other_unit).user
    client.force_login(gilan)
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    assert [r.pk for r in page.context["board"].suggestions] == [suggested.gilan.pk]
    national = staff_user(roles.NATIONAL_AUDITOR, unit=OrgUnitFactory(province=None, level="hq")).user
    client.force_login(national)
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    assert {r.pk for r in page.context["board"].suggestions} == {
        suggested.unit.pk,
        suggested.department.pk,
        suggested.gilan.pk,
    }


def test_an_employees_dashboard_has_no_suggestions(client, suggested, world, supervisor_of):
    client.force_login(supervisor_of)
    page = client.get(
        reverse("feedback:dashboard"), {"level": "staff", "staff": world.ali.pk, "period": "1405-Q3"}
    )
    assert page.context["board"].suggestions == []
    assert 'id="suggestions"' not in page.content.decode()


def test_suggestions_cost_the_same_queries_for_3_and_30(
    client, world, supervisor_of, django_assert_num_queries
):
    service = SubServiceFactory(body=world.unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=world.unit)
    for n in range(3):
        suggest(world.department, f"پیشنهاد {n}", at=tehran(1405, 8, 1 + n), service=service)
    url, params = reverse("feedback:dashboard"), {"level": "unit", "unit": world.unit.pk, "period": "1405-Q3"}
    client.force_login(supervisor_of)
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(url, params).context["board"].suggestions) == 3
    for n in range(27):
        suggest(world.unit, f"پیشنهاد دیگر {n}", at=tehran(1405, 9, 1 + n % 25), service=service)
    with django_assert_num_queries(len(queries)):
        page = client.get(url, params)
    assert (page.context["board"].suggestion_count, len(page.context["board"].suggestions)) == (30, 20)


def test_excel_export_lists_every_suggestion_as_plain_text(client, suggested, world, supervisor_of):
    service = SubServiceFactory(body=world.unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=world.unit)
    for n in range(24):
        suggest(world.unit, f"پیشنهاد شماره {n}", at=tehran(1405, 7, 1 + n), service=service)
    hostile = suggest(
        world.unit, '=HYPERLINK("http://evil.example","بیشتر")', at=tehran(1405, 9, 20), service=service
    )
    client.force_login(supervisor_of)
    response = client.get(
        reverse("feedback:dashboard_xlsx"), {"level": "unit", "unit": world.unit.pk, "period": "1405-Q3"}
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[-1]
    assert sheet.title == gettext("Suggestions")
    assert sheet.sheet_view.rightToLeft
    texts = [row[4] for row in sheet.iter_rows(min_row=3, values_only=True) if len(row) > 4 and row[4]]
    assert (
        len(texts) == 27
    )  # 24 + the hostile one + the unit's and the department's: more than the page shows
    assert texts[0] == hostile.suggestions
    assert "صندلی انتظار کافی نیست" in texts
    assert "پارکینگ ندارد" not in texts
    assert "پیشنهاد قدیمی" not in texts
    hostile_cell = next(c for (c,) in sheet.iter_rows(min_col=5, max_col=5) if c.value == hostile.suggestions)
    assert hostile_cell.data_type == "s"


# --- cost ----------------------------------------------------------------------------------------------------------


def _unit_with(n: int):
    body = BodyFactory()
    unit = OrgUnitFactory(body=body)
    at = tehran(1405, 8, 5)
    for i in range(n):
        member = StaffFactory(unit=DepartmentFactory(parent=unit) if i % 3 else unit)
        rate(member, 1 + i % 5, 2 + i % 4, 3, 4, 5, 1 + i % 3, at=at + dt.timedelta(days=i % 40))
        questionnaire_at(member.unit, at=at + dt.timedelta(days=i % 40), value=1 + i % 5)
    return staff_user(roles.BODY_SUPERVISOR, unit=unit).user


def test_the_dashboard_costs_the_same_queries_for_3_and_30_employees(client, django_assert_num_queries):
    url = reverse("feedback:dashboard")
    params = {"period": "1405-Q3"}
    small = _unit_with(3)
    client.force_login(small)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).context["board"].ratings.count == 3 * 6
    big = _unit_with(30)
    client.force_login(big)
    with django_assert_num_queries(len(queries)):
        page = client.get(url, params)
    assert page.context["board"].ratings.count == 30 * 6
    assert len(page.context["board"].children) == 30
    with django_assert_num_queries(len(queries)):
        assert client.get(reverse("feedback:dashboard_xlsx"), params).status_code == 200


def test_a_national_auditor_drills_from_the_country_to_a_province(client, rated, monkeypatch):
    national = staff_user(roles.NATIONAL_AUDITOR, unit=OrgUnitFactory(province=None, level="hq"))
    client.force_login(national.user)
    page = client.get(reverse("feedback:dashboard"), {"period": "1405-Q3"})
    assert page.context["scope"].level == dash.NATION
    links = {row.pk: url for row, url, _average in page.context["children"]}
    assert set(links) == {rated.mazandaran.pk, rated.gilan.pk}
    page = client.get(links[rated.mazandaran.pk])
    assert page.context["scope"] == DashboardScope(dash.PROVINCE, rated.mazandaran)
    assert page.context["board"].ratings.count == 4
    # Going down to a unit from the country: too many units for one list, the page says so.
    monkeypatch.setattr("apps.feedback.views.dashboards.CHOICES_MAX", 1)
    page = client.get(reverse("feedback:dashboard"), {"level": "unit"})
    assert page.context["choose"]
    assert len(page.context["choices"]) == 1
    assert page.context["choices_truncated"]
