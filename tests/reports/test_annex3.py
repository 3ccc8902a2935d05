"""Annex 3 tables 1 and 2: every figure of a body's row from its verified forms of the round."""

import pytest

from apps.reports import annex3
from apps.reports.scopes import Scope
from tests.factories import report_audit_form_verified

B3 = "1405-B3"  # Mordad–Shahrivar 1405: the catalog of tests/reports/conftest.py exists by then


def test_table2_lists_headquarters_bodies_and_the_bodies_under_them(world):
    """The ministry has a national HQ; the two roads directorates are under it and the HQ reports
    for them: three rows. Without a verified form a row is empty, its catalog given for information."""
    table = annex3.table2(period=B3)
    assert [
        (r["name"], r["parent"], r["verified"], r["total"], r["catalog_total"]) for r in table["rows"]
    ] == [
        ("اداره کل راه و شهرسازی مازندران", "وزارت راه و شهرسازی", False, None, 4),
        ("اداره کل راه و شهرسازی گیلان", "وزارت راه و شهرسازی", False, None, 1),
        ("وزارت راه و شهرسازی", "", False, None, 1),
    ]
    assert (table["totals"]["total"], table["totals"]["ratio_in_person"], table["forms_verified"]) == (
        0,
        None,
        0,
    )
    assert table["title"].startswith("جدول ۲-")


def test_table2_counts_the_verified_forms_of_each_body(world):
    """GIVEN the roads directorate's verified forms at its provincial and county units and a form of
    the registry still submitted THEN the roads row sums the two forms' rows and the registry row
    is empty: a draft declaration is not a figure of the annex."""
    from apps.orgs.models import Body

    report_audit_form_verified(
        unit=world.u1, year=1405, number=3, channels=["in_person", "electronic", "outside"]
    )
    report_audit_form_verified(unit=world.u2, year=1405, number=3, channels=["hybrid"])
    submitted = report_audit_form_verified(unit=world.u3, year=1405, number=3, channels=["in_person"])
    submitted.state = "submitted"
    submitted.save()
    bodies = Body.objects.filter(pk__in=[world.roads.pk, world.registry.pk])
    table = annex3.table2(period=B3, bodies=bodies, hq_only=False)
    rows = {r["name"]: r for r in table["rows"]}
    roads = rows["اداره کل راه و شهرسازی مازندران"]
    assert (roads["forms"], roads["total"], roads["in_person"], roads["electronic"], roads["hybrid"]) == (
        2,
        4,
        1,
        1,
        1,
    )
    assert (roads["outside"], roads["ratio_in_person"], roads["ratio_electronic"]) == (1, 25.0, 50.0)
    registry = rows["اداره کل ثبت اسناد مازندران"]
    assert (registry["verified"], registry["total"], registry["catalog_total"]) == (False, None, 2)
    assert (table["totals"]["total"], table["totals"]["in_person"], table["forms_verified"]) == (4, 1, 2)


def test_table2_notes_only_the_catalog_in_force_on_the_bimonths_last_day(world):
    from apps.catalog.models import ServiceState, SubService

    assert annex3.table2(period="1405-B1")["rows"][2]["catalog_total"] == 1  # from 1405/01/15: inside B1
    later = world.requests[0].received_at.date().replace(year=2027)
    SubService.objects.filter(body=world.ministry).update(valid_from=later)
    ServiceState.objects.filter(service__body=world.ministry).update(effective_from=later)
    assert annex3.table2(period=B3)["rows"][2]["catalog_total"] == 0


def test_table1_has_every_body_of_the_province_with_the_evaluators_figures(world):
    """GIVEN two verified forms of the roads directorate in round 1405-B3 (5 and 3 declared services)
    and a draft form of the registry THEN the roads row pools the evaluator's ratios over 8 rows and
    averages each §2 rating; the registry row has no evaluation."""
    report_audit_form_verified(
        unit=world.u1,
        year=1405,
        number=3,
        channels=["in_person", "in_person", "electronic", "hybrid", "outside"],
        false_channel=1,
        space={1: "excellent", 2: "good", 3: "average", 4: "not_in_place"},
    )
    report_audit_form_verified(
        unit=world.u2,
        year=1405,
        number=3,
        channels=["in_person", "electronic", "electronic"],
        space={1: "good", 2: "good"},
    )
    draft = report_audit_form_verified(
        unit=world.u3, year=1405, number=3, channels=["in_person"], space={1: "weak"}
    )
    draft.state = "submitted"
    draft.save()
    report_audit_form_verified(
        unit=world.u4, year=1405, number=3, channels=["in_person"], space={1: "weak"}
    )  # Gilan
    report_audit_form_verified(unit=world.u1, year=1405, number=2, channels=["outside"])  # another round

    table = annex3.table1(period=B3, province=world.mazandaran)
    rows = {r["name"]: r for r in table["rows"]}
    assert set(rows) == {"اداره کل راه و شهرسازی مازندران", "اداره کل ثبت اسناد مازندران"}
    roads = rows["اداره کل راه و شهرسازی مازندران"]
    # The counts are those of the 8 verified rows, the very rows the ratios are computed from.
    assert (roads["total"], roads["in_person"], roads["electronic"], roads["hybrid"], roads["outside"]) == (
        8,
        3,
        3,
        1,
        1,
    )
    evaluation = roads["evaluation"]
    assert evaluation["forms"] == 2
    assert evaluation["ratio_in_person"] == 37.5  # 3 of 8 rows
    assert evaluation["ratio_electronic"] == 50.0  # (3 electronic + 1 hybrid) of 8
    assert evaluation["false_channel"] == 1
    assert evaluation["space"] == {"1": 87.5, "2": 75.0, "3": 50.0, "4": 0.0}
    assert evaluation["space_score"] == 53.1  # (87.5 + 75 + 50 + 0) / 4 = 53.125
    registry = rows["اداره کل ثبت اسناد مازندران"]
    assert (registry["evaluation"]["forms"], registry["total"], registry["catalog_total"]) == (0, None, 2)
    assert table["forms_verified"] == 2
    assert table["totals"]["total"] == 8
    assert annex3.rating_label(75.0) == "خوب"
    assert annex3.rating_label(87.5) == ""


def test_audit_summary_of_a_quarter_pools_its_rounds(world):
    from apps.core.jalali import Period

    report_audit_form_verified(
        unit=world.u1, year=1405, number=2, channels=["in_person", "electronic"], space={1: "good"}
    )
    report_audit_form_verified(
        unit=world.u3, year=1405, number=3, channels=["in_person", "in_person"], false_channel=2
    )
    summary = annex3.audit_summary(
        scope=Scope(Scope.PROVINCE, world.mazandaran.pk), period=Period.parse("1405-Q2")
    )
    # Q2 (Tir–Shahrivar) holds the ends of B2 (Khordad–Tir) and B3 (Mordad–Shahrivar).
    assert summary["rounds"] == ["1405-B2", "1405-B3"]
    assert (summary["forms"], summary["verified"], summary["ratio_in_person"], summary["false_channel"]) == (
        2,
        2,
        75.0,
        2,
    )
    assert summary["space"] == [{"item": 1, "label": annex3.SPACE_ITEMS[1], "score": 75.0}]
    assert (
        annex3.audit_summary(scope=Scope(Scope.PROVINCE, world.gilan.pk), period=Period.parse("1405-Q2"))
        is None
    )


def test_annex3_tables_are_bimonthly():
    with pytest.raises(ValueError, match="bimonthly"):
        annex3.table2(period="1405-Q2")


def test_annex3_tables_take_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """Counted per body in SQL: more bodies and forms do not mean more queries."""
    for unit in (world.u1, world.u2, world.u3, world.u4):
        report_audit_form_verified(unit=unit, year=1405, number=3, channels=["in_person", "electronic"])
    with django_assert_max_num_queries(5):
        table = annex3.table2(period=B3)
    assert table["forms_verified"] == 3  # the two roads directorates' forms; the registry has no HQ
    with django_assert_max_num_queries(6):
        table = annex3.table1(period=B3, province=world.mazandaran)
    assert table["forms_verified"] == 3
