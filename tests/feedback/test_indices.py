"""Satisfaction indices against figures worked out by hand, with reverse-scored items that change the
result when ignored; scoping by territory, body, unit subtree, period and user; a fixed query count."""

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.jalali import Period, jalali_to_gregorian
from apps.feedback.indices import answers_in_scope, axis_indices, overall_index, question_indices
from apps.feedback.models import Answer, SurveyResponse
from apps.orgs import roles
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    staff_user,
    survey_answers,
    survey_response,
)

pytestmark = pytest.mark.django_db

REVERSE = {9, 11, 14, 15}

# A second person's answers for the mixed fixture; the first answers 4 everywhere.
MIXED_B = {
    1: 1,
    2: 2,
    3: 3,
    4: 5,
    5: 4,
    6: 3,
    7: 2,
    8: 5,
    9: 1,
    10: 4,
    11: 1,
    12: 3,
    13: 5,
    14: 5,
    15: 3,
    16: 4,
}


def _axes(result) -> list[tuple[int, tuple[int, ...], float]]:
    return [(a.order, a.questions, a.index) for a in result]


# --- hand-computed figures ----------------------------------------------------------------------


def test_all_fives_score_100_except_reverse_items_which_score_0():
    """GIVEN one questionnaire answered "very much" (5) on every line
    THEN the twelve ordinary questions score 100 and items 9, 11, 14, 15 score 0; ignoring the
    reverse flag would make every figure 100."""
    survey_response(answers=5)
    qs = answers_in_scope()

    questions = question_indices(qs)
    assert {n: q.index for n, q in questions.items()} == {
        n: (0.0 if n in REVERSE else 100.0) for n in range(1, 17)
    }
    assert all(q.count == 1 for q in questions.values())

    # Table 5: 1–3 | 4–7 | 8 | 9–11 | 12–15 | 16
    assert _axes(axis_indices(qs, "table5")) == [
        (1, (1, 2, 3), 100.0),
        (2, (4, 5, 6, 7), 100.0),
        (3, (8,), 100.0),
        (4, (9, 10, 11), float(Fraction(0 + 100 + 0, 3))),
        (5, (12, 13, 14, 15), float(Fraction(100 + 100 + 0 + 0, 4))),
        (6, (16,), 100.0),
    ]
    # Annex 2 §6: 1–3 | 4–6 | 7–9 | 10–12 | 13–15 | 16
    assert _axes(axis_indices(qs, "annex2")) == [
        (1, (1, 2, 3), 100.0),
        (2, (4, 5, 6), 100.0),
        (3, (7, 8, 9), float(Fraction(100 + 100 + 0, 3))),
        (4, (10, 11, 12), float(Fraction(100 + 0 + 100, 3))),
        (5, (13, 14, 15), float(Fraction(100 + 0 + 0, 3))),
        (6, (16,), 100.0),
    ]
    assert overall_index(qs) == float(Fraction(12 * 100 + 4 * 0, 16)) == 75.0


def test_mixed_answers_match_the_hand_computation():
    """GIVEN two questionnaires: one all 4s, one mixed (reverse items answered 1, 1, 5, 3)
    THEN each question's index is the mean of the two scores, each axis the plain mean of its
    questions, overall the mean of the sixteen — as worked out below line by line."""
    survey_response(answers=4)
    survey_response(answers=MIXED_B)
    qs = answers_in_scope()

    # Scores of the all-4 questionnaire: 75 on ordinary items, (5 − 4) × 25 = 25 on reverse ones.
    # Scores of MIXED_B: (v − 1) × 25, reverse items (5 − v) × 25.
    expected_q = {
        1: Fraction(75 + 0, 2),
        2: Fraction(75 + 25, 2),
        3: Fraction(75 + 50, 2),
        4: Fraction(75 + 100, 2),
        5: Fraction(75 + 75, 2),
        6: Fraction(75 + 50, 2),
        7: Fraction(75 + 25, 2),
        8: Fraction(75 + 100, 2),
        9: Fraction(25 + 100, 2),  # reverse: answered 1 → 100
        10: Fraction(75 + 75, 2),
        11: Fraction(25 + 100, 2),  # reverse: answered 1 → 100
        12: Fraction(75 + 50, 2),
        13: Fraction(75 + 100, 2),
        14: Fraction(25 + 0, 2),  # reverse: answered 5 → 0
        15: Fraction(25 + 50, 2),  # reverse: answered 3 → 50
        16: Fraction(75 + 75, 2),
    }
    questions = question_indices(qs)
    assert {n: q.index for n, q in questions.items()} == {n: float(v) for n, v in expected_q.items()}
    assert {q.count for q in questions.values()} == {2}

    e = expected_q
    assert _axes(axis_indices(qs, "table5")) == [
        (1, (1, 2, 3), float((e[1] + e[2] + e[3]) / 3)),  # 50
        (2, (4, 5, 6, 7), float((e[4] + e[5] + e[6] + e[7]) / 4)),  # 68.75
        (3, (8,), float(e[8])),  # 87.5
        (4, (9, 10, 11), float((e[9] + e[10] + e[11]) / 3)),  # 66.67
        (5, (12, 13, 14, 15), float((e[12] + e[13] + e[14] + e[15]) / 4)),  # 50
        (6, (16,), float(e[16])),  # 75
    ]
    assert [a.index for a in axis_indices(qs, "table5")][:2] == [50.0, 68.75]
    assert _axes(axis_indices(qs, "annex2")) == [
        (1, (1, 2, 3), float((e[1] + e[2] + e[3]) / 3)),
        (2, (4, 5, 6), float((e[4] + e[5] + e[6]) / 3)),  # 75
        (3, (7, 8, 9), float((e[7] + e[8] + e[9]) / 3)),
        (4, (10, 11, 12), float((e[10] + e[11] + e[12]) / 3)),
        (5, (13, 14, 15), float((e[13] + e[14] + e[15]) / 3)),
        (6, (16,), float(e[16])),
    ]
    assert overall_index(qs) == float(sum(expected_q.values()) / 16) == 61.71875
    # Read without the reverse flag, the same answers would give a different overall figure.
    ignoring_reverse = sum(Fraction(75 + (MIXED_B[n] - 1) * 25, 2) for n in range(1, 17)) / 16
    assert overall_index(qs) != float(ignoring_reverse)


def test_an_empty_scope_has_no_index():
    qs = answers_in_scope()
    assert question_indices(qs) == {}
    assert axis_indices(qs) == []
    assert overall_index(qs) is None


def test_a_question_left_blank_on_paper_does_not_pull_its_axis_down():
    """A paper form with only item 1 ticked: item 1 has one answer, items 2 and 3 none; the axis is
    the mean of the questions that were answered."""
    clerk = staff_user(roles.DESK_CLERK)
    survey_response(answers={1: 5}, source="paper", entered_by=clerk, unit=clerk.unit)
    axis = axis_indices(answers_in_scope(), "table5")
    assert _axes(axis) == [(1, (1,), 100.0)]
    assert axis[0].count == 1


# --- scope --------------------------------------------------------------------------------------


def test_scope_by_province_and_body():
    tehran, fars = ProvinceFactory(), ProvinceFactory()
    body = BodyFactory()
    in_tehran = OrgUnitFactory(province=tehran, body=body)
    in_fars = OrgUnitFactory(province=fars, body=body)
    other_body_in_tehran = OrgUnitFactory(province=tehran)
    survey_response(answers=5, unit=in_tehran)
    survey_response(answers=1, unit=in_fars)
    survey_response(answers=3, unit=other_body_in_tehran)

    def overall(**scope):
        return overall_index(answers_in_scope(**scope))

    # All 5s: 75 (see above); all 1s: 12 × 0 + 4 × 100 → 25; all 3s: 50 everywhere.
    assert overall(province=tehran) == float(Fraction(75 + 50, 2))
    assert overall(province=fars.pk) == 25.0
    assert overall(body=body) == float(Fraction(75 + 25, 2))
    assert overall(body=body, province=tehran) == 75.0
    assert overall() == float(Fraction(75 + 25 + 50, 3))
    assert question_indices(answers_in_scope(province=fars))[1].count == 1


def test_scope_by_unit_covers_its_subtree_only():
    parent = OrgUnitFactory()
    department = DepartmentFactory(parent=parent)
    sibling = OrgUnitFactory(body=parent.body, province=parent.province)
    survey_response(answers=5, unit=parent)
    survey_response(answers=3, unit=department)
    survey_response(answers=1, unit=sibling)

    assert question_indices(answers_in_scope(unit=parent))[16].count == 2
    assert overall_index(answers_in_scope(unit=parent)) == float(Fraction(75 + 50, 2))
    assert overall_index(answers_in_scope(unit=department.pk)) == 50.0
    assert overall_index(answers_in_scope(unit=sibling)) == 25.0


def test_scope_by_service_and_county():
    first = survey_response(answers=5)
    survey_response(answers=1)
    assert overall_index(answers_in_scope(service=first.service)) == 75.0
    assert overall_index(answers_in_scope(county=999_999)) is None


def _submitted(response: SurveyResponse, when: dt.datetime) -> None:
    SurveyResponse.objects.filter(pk=response.pk).update(submitted_at=when)
    Answer.objects.filter(response=response).update(submitted_at=when)


def test_period_is_cut_at_tehran_midnight():
    """GIVEN one questionnaire at 23:30 on the last day of 1405-Q1 and one at 00:10 on the first day
    of 1405-Q2, Tehran time (the second is still 31 Khordad in UTC)
    THEN each falls in its own Jalali quarter."""
    tehran = timezone.get_default_timezone()
    last_of_q1 = dt.datetime.combine(jalali_to_gregorian(1405, 3, 31), dt.time(23, 30), tzinfo=tehran)
    first_of_q2 = dt.datetime.combine(jalali_to_gregorian(1405, 4, 1), dt.time(0, 10), tzinfo=tehran)
    assert first_of_q2.astimezone(dt.UTC).date() == jalali_to_gregorian(1405, 3, 31)
    _submitted(survey_response(answers=5), last_of_q1)
    _submitted(survey_response(answers=1), first_of_q2)

    assert overall_index(answers_in_scope(period=Period.parse("1405-Q1"))) == 75.0
    assert overall_index(answers_in_scope(period=Period.parse("1405-Q2"))) == 25.0
    assert overall_index(answers_in_scope(period=Period.parse("1405-H1"))) == 50.0
    assert overall_index(answers_in_scope(period=Period.parse("1405-Q3"))) is None


def test_user_scope_follows_the_portal_rule():
    province = ProvinceFactory()
    unit = OrgUnitFactory(province=province)
    department = DepartmentFactory(parent=unit)
    elsewhere_in_province = OrgUnitFactory(province=province)
    other_province = OrgUnitFactory()
    for u, value in ((unit, 5), (department, 5), (elsewhere_in_province, 3), (other_province, 1)):
        survey_response(answers=value, unit=u)

    def responses_seen(user) -> int:
        first = question_indices(answers_in_scope(user=user)).get(1)
        return first.count if first else 0

    assert responses_seen(staff_user(roles.DESK_CLERK, unit=department).user) == 1
    assert responses_seen(staff_user(roles.BODY_SUPERVISOR, unit=unit).user) == 2
    assert (
        responses_seen(staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=province)).user) == 3
    )
    assert responses_seen(staff_user(roles.NATIONAL_AUDITOR).user) == 4
    # The user's scope and an explicit filter combine.
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit).user
    assert overall_index(answers_in_scope(user=supervisor, unit=department)) == 75.0
    assert overall_index(answers_in_scope(user=supervisor, province=other_province.province)) is None


# --- cost ---------------------------------------------------------------------------------------


def test_indices_cost_one_grouped_query_each_whatever_the_number_of_answers(django_assert_num_queries):
    for value in (5, 4, 3, 2, 1, 5):
        survey_response(answers=survey_answers(value))
    province = Answer.objects.values_list("province_id", flat=True).first()
    qs = answers_in_scope(province=province, period=Period.containing(timezone.localdate(), "Q"))

    with django_assert_num_queries(1):
        questions = question_indices(qs)
    with django_assert_num_queries(1):
        table5 = axis_indices(qs, "table5")
    with django_assert_num_queries(1):
        overall = overall_index(qs)
    assert len(questions) == 16
    assert len(table5) == 6
    assert overall is not None

    # The database groups: the statement returns one row per question, never one per answer.
    with CaptureQueriesContext(connection) as captured:
        question_indices(answers_in_scope())
    sql = captured.captured_queries[0]["sql"].upper()
    assert "GROUP BY" in sql
    assert "AVG(" in sql
    assert "CASE WHEN" in sql
