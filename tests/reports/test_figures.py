"""The figures of a periodic report match the data of tests/reports/conftest.py, worked out by hand;
they are counted in a bounded number of grouped queries however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.jalali import Period
from apps.reports.figures import RANKING_FORMULA, ranking_formula, ranking_score, report_figures
from apps.reports.scopes import Scope
from tests.reports.conftest import PERIOD

Q2 = Period.parse(PERIOD)


def figures_of(scope: Scope) -> dict:
    return report_figures(scope=scope, period=Q2, kind="quarterly_province")


def test_province_requests_count_each_event_in_its_own_period(world):
    """GIVEN requests received, answered and delivered on both sides of 1405/04/01 and 1405/06/31
    THEN Mazandaran's quarter counts received r1 r2 r3 r5 r6 r7, answered r1 r2 r4 r6 r7 (r1 r4 r6 on
    time), delivered r1 r4 r6, and one of six received online."""
    req = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["requests"]
    assert req == {
        "received": 6,
        "answered": 5,
        "delivered": 3,
        "on_time": 3,
        "late": 2,
        "on_time_rate": 60.0,
        "online": 1,
        "electronic_share": 16.7,
    }


def test_province_stage_lateness_per_title_and_per_unit(world):
    stages = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["stages"]
    # Late: 24 + 48 + 168 + 24 hours over four stages; r3's first stage still open and overdue.
    assert (stages["finished"], stages["late"], stages["avg_late_hours"], stages["open_overdue"]) == (
        6,
        4,
        66.0,
        1,
    )
    assert stages["late_rate"] == 66.7
    by_title = {row["title"]: row for row in stages["by_title"]}
    assert (
        by_title["صدور پاسخ"]["finished"],
        by_title["صدور پاسخ"]["late"],
        by_title["صدور پاسخ"]["avg_late_hours"],
    ) == (3, 3, 72.0)
    assert (
        by_title["بررسی مدارک"]["late"],
        by_title["بررسی مدارک"]["avg_late_hours"],
        by_title["بررسی مدارک"]["open_overdue"],
    ) == (1, 48.0, 1)
    assert [row["title"] for row in stages["by_title"]] == ["صدور پاسخ", "بررسی مدارک"]  # the worst first
    by_unit = {row["id"]: row for row in stages["by_unit"]}
    assert (by_unit[world.d1.pk]["late"], by_unit[world.d1.pk]["avg_late_hours"]) == (2, 96.0)
    assert (
        by_unit[world.u1.pk]["finished"],
        by_unit[world.u1.pk]["late"],
        by_unit[world.u1.pk]["open_overdue"],
    ) == (2, 1, 1)
    assert (by_unit[world.u3.pk]["late"], by_unit[world.u3.pk]["avg_late_hours"]) == (1, 24.0)
    assert world.u4.pk not in by_unit


def test_province_satisfaction_per_axis_reverses_items_9_11_14_15(world):
    """r1 answered 5 everywhere, r6 4 everywhere: a plain question scores (100 + 75) / 2 = 87.5 and a
    reverse-scored one (0 + 25) / 2 = 12.5."""
    sat = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["satisfaction"]
    assert (sat["responses"], sat["answers"]) == (2, 32)
    assert [(a["title"], a["index"]) for a in sat["axes"]] == [
        ("شفافیت فرایندی", 87.5),
        ("پاسخگویی و مسئولیت‌پذیری", 87.5),
        ("تسلط بر فرایند", 87.5),
        ("زمان فرایند", 37.5),  # (12.5 + 87.5 + 12.5) / 3
        ("نظام‌مند بودن فرایند", 50.0),  # (87.5 + 87.5 + 12.5 + 12.5) / 4
        ("کلیت فرایند", 87.5),
    ]
    assert [a["index"] for a in sat["audit_axes"]] == [87.5, 87.5, 62.5, 62.5, 37.5, 87.5]
    assert sat["overall"] == 68.8  # (12 × 87.5 + 4 × 12.5) / 16 = 68.75
    assert {q["number"]: q["index"] for q in sat["questions"]}[9] == 12.5


def test_province_staff_ratings_leave_held_ones_out(world):
    ratings = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["ratings"]
    assert (ratings["count"], ratings["average"], ratings["index"], ratings["held"]) == (3, 4.0, 75.0, 1)
    assert [d["count"] for d in ratings["distribution"]] == [1, 1, 1, 0, 0]


def test_channels_count_the_catalog_of_bodies_in_the_territory(world):
    channels = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["channels"]
    assert {
        k: channels[k] for k in ("total", "in_person", "electronic", "hybrid", "outside", "g2c", "g2b")
    } == {
        "total": 6,
        "in_person": 2,
        "electronic": 2,
        "hybrid": 1,
        "outside": 1,
        "g2c": 5,
        "g2b": 1,
    }
    assert (channels["ratio_in_person"], channels["ratio_electronic"]) == (33.3, 50.0)


def test_ranking_follows_the_formula(world):
    """U2: 40×100 + 30×62.5 + 10×100 over the weights with data (80) = 85.9; U1: 40×66.7 + 30×75
    + 20×87.5 + 10×0 = 66.7; U3: (20×50) / 70 = 14.3."""
    ranking = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["ranking"]
    assert [(r["rank"], r["id"], r["score"]) for r in ranking["units"]] == [
        (1, world.u2.pk, 85.9),
        (2, world.u1.pk, 66.7),
        (3, world.u3.pk, 14.3),
    ]
    u1 = ranking["units"][1]
    assert (u1["on_time_rate"], u1["satisfaction"], u1["staff_rating"], u1["electronic_share"]) == (
        66.7,
        75.0,
        87.5,
        0.0,
    )
    assert ranking["units"][0]["staff_rating"] is None
    assert [(r["id"], r["score"]) for r in ranking["bodies"]] == [
        (world.roads.pk, 70.1),
        (world.registry.pk, 14.3),
    ]
    assert ranking["formula"] == ranking_formula()


def test_the_formula_text_is_built_from_the_one_constant():
    text = ranking_formula()["text"]
    assert (
        text
        == "امتیاز = ۳۲٪ × نرخ پاسخ به‌موقع + ۲۴٪ × شاخص رضایت ارباب رجوع + ۱۶٪ × امتیاز کارکنان + ۸٪ × سهم الکترونیکی"
        " + ۱۰٪ × امتیاز ممیزی میز خدمت + ۶٪ × نرخ رسیدگی به‌موقع موارد + ۴٪ × رضایت از رسیدگی به موارد"
    )
    assert sum(c.weight for c in RANKING_FORMULA) == 100
    assert ranking_score(
        {"on_time_rate": 50, "satisfaction": None, "staff_rating": None, "electronic_share": 100}
    ) == pytest.approx(60)
    assert ranking_score({c.key: None for c in RANKING_FORMULA}) is None


def test_body_county_and_national_scopes(world):
    body = figures_of(Scope(Scope.BODY, world.roads.pk))
    assert (body["requests"]["received"], body["requests"]["answered"], body["requests"]["on_time"]) == (
        5,
        4,
        3,
    )
    assert body["channels"]["total"] == 4
    assert body["ratings"]["count"] == 2
    county = figures_of(Scope(Scope.COUNTY, world.sari.pk))
    assert (
        county["requests"]["received"],
        county["requests"]["online"],
        county["satisfaction"]["responses"],
    ) == (1, 1, 1)
    assert county["ratings"]["count"] == 0
    national = figures_of(Scope(Scope.NATIONAL))
    assert (
        national["requests"]["received"],
        national["requests"]["answered"],
        national["requests"]["on_time"],
    ) == (7, 6, 4)
    assert (national["stages"]["late"], national["stages"]["avg_late_hours"]) == (5, 54.8)  # (264 + 10) / 5
    assert national["satisfaction"]["responses"] == 3
    assert national["ratings"]["count"] == 4
    assert national["channels"]["total"] == 8
    provinces = {p["id"]: p for p in national["provinces"]}
    assert (provinces[world.mazandaran.pk]["received"], provinces[world.mazandaran.pk]["on_time_rate"]) == (
        6,
        60.0,
    )
    assert (provinces[world.gilan.pk]["received"], provinces[world.gilan.pk]["satisfaction"]) == (
        1,
        25.0,
    )  # 1 everywhere: only the four reverse-scored items score (100)
    assert figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["provinces"] == []


def test_figures_take_a_fixed_number_of_queries(world):
    """Grouped queries only: adding requests adds no query."""
    scope = Scope(Scope.PROVINCE, world.mazandaran.pk)
    with CaptureQueriesContext(connection) as first:
        figures_of(scope)
    from tests.reports.conftest import _request, at

    for _ in range(5):
        _request(
            world.requests[0].service, world.u1, received=at(4, 20), answered=at(4, 22), promised=at(4, 30)
        )
    with CaptureQueriesContext(connection) as second:
        figures_of(scope)
    # About twenty for requests, satisfaction, ratings and the ranking; a dozen for the cases.
    assert len(second.captured_queries) == len(first.captured_queries) <= 32


def test_satisfaction_agrees_with_the_feedback_indices(world):
    """The report sums exact per-question scores instead of calling apps.feedback.indices (float
    averages), so that two compilations compare equal; the indices come out the same."""
    from apps.feedback.indices import answers_in_scope, axis_indices, overall_index

    answers = answers_in_scope(province=world.mazandaran, period=Q2)
    sat = figures_of(Scope(Scope.PROVINCE, world.mazandaran.pk))["satisfaction"]
    assert [round(a.index, 1) for a in axis_indices(answers)] == [a["index"] for a in sat["axes"]]
    assert [round(a.index, 1) for a in axis_indices(answers, "annex2")] == [
        a["index"] for a in sat["audit_axes"]
    ]
    assert round(overall_index(answers), 1) == sat["overall"]
