"""Annex 3 tables 1 and 2 agree with the verified forms and with themselves: for every row and the
totals a = b + c + d + e, G2C + G2B = a, b/a and (c+d)/a are the printed counts divided, the
totals are the sums of the rows, and a body's row is its verified form's §1 totals."""

import pytest
from django.utils import timezone

from apps.audits import services
from apps.audits.models import AuditForm, AuditSpaceItem
from apps.catalog.models import ServiceState, SubService
from apps.core.jalali import Period
from apps.reports import annex3
from tests.factories import SubServiceFactory, audit_round_opened

RATED = {item: {"body_rating": "good", "body_note": ""} for item in AuditSpaceItem.Item.values}
EVALUATED = {
    item: {"evaluator_rating": "average", "evaluator_note": ""} for item in AuditSpaceItem.Item.values
}
COUNTS = ("total", "in_person", "electronic", "hybrid", "outside", "g2c", "g2b")


def _ratio(part, whole):
    return round(100 * part / whole, 1) if whole else None


def assert_identities(table: dict) -> None:
    verified = [row for row in table["rows"] if row["verified"]]
    for row in table["rows"]:
        if not row["verified"]:
            assert all(row[key] is None for key in COUNTS), row["name"]
            assert row["ratio_in_person"] is None
            assert row["evaluation"]["ratio_in_person"] is None
            continue
        a, b, c, d, e = (row[key] for key in COUNTS[:5])
        assert a == b + c + d + e, row["name"]
        assert row["g2c"] + row["g2b"] == a, row["name"]
        assert row["ratio_in_person"] == _ratio(b, a), row["name"]
        assert row["ratio_electronic"] == _ratio(c + d, a), row["name"]
        # Table 1 prints the evaluator's ratios: the very same numbers.
        assert row["evaluation"]["ratio_in_person"] == row["ratio_in_person"], row["name"]
        assert row["evaluation"]["ratio_electronic"] == row["ratio_electronic"], row["name"]
    totals = table["totals"]
    for key in COUNTS:
        assert totals[key] == sum(row[key] for row in verified), key
    assert totals["total"] == sum(totals[key] for key in COUNTS[1:5])
    assert totals["ratio_in_person"] == _ratio(totals["in_person"], totals["total"])
    assert totals["ratio_electronic"] == _ratio(totals["electronic"] + totals["hybrid"], totals["total"])
    assert table["forms_verified"] == sum(row["forms"] for row in table["rows"])


def _verify(org, form, *, corrections=None) -> AuditForm:
    """Submit; the auditor returns it; the body applies `corrections`, submits again; verified."""
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    form = services.audit_form_submit(form=form, by=org.supervisor)
    form = services.audit_evaluation_start(form=form, by=org.auditor)
    form = services.audit_form_return(form=form, by=org.auditor, comment="محل ارائه را بازبینی کنید.")
    if corrections:
        rows = {r.code: r.pk for r in form.rows.all()}
        services.audit_form_body_update(
            form=form, by=org.supervisor, rows={rows[code]: values for code, values in corrections.items()}
        )
    form = services.audit_form_submit(form=form, by=org.supervisor)
    services.audit_form_evaluation_update(
        form=form,
        by=org.auditor,
        rows={form.rows.get(code="IN2").pk: {"channel_false": True}},
        space=EVALUATED,
    )
    return services.audit_form_verify(form=form, by=org.auditor)


def _row(table, body):
    return next(row for row in table["rows"] if row["id"] == body.pk)


def test_annex3_agrees_with_a_form_whose_channels_were_corrected_after_a_return(audit_org):
    """GIVEN the catalog a=5 (b 2, c 1, d 1, e 1) and the round of the current bimonth
    WHEN the evaluator returns the form and the body corrects EL1 to hybrid and OUT to in person,
      then it is verified
    THEN both tables show the verified form's a=5, b=3, c=0, d=2, e=0 with b/a = 60 and (c+d)/a = 40,
      although the catalog still says otherwise, and every identity holds."""
    org = audit_org
    round_ = audit_round_opened()
    form = AuditForm.objects.get(round=round_, unit=org.unit)
    form = _verify(
        org,
        form,
        corrections={
            "EL1": {"channel": "hybrid", "reason": "digitisation"},
            "OUT": {"channel": "in_person", "reason": "law"},
        },
    )
    assert form.totals == {"a": 5, "b": 3, "c": 0, "d": 2, "e": 0}
    assert (
        SubService.objects.get(body=org.body, code="OUT").channel == "outside"
    )  # the catalog is not the source

    table1 = annex3.table1(period=round_.period, province=org.unit.province_id)
    row = _row(table1, org.body)
    assert (row["total"], row["in_person"], row["electronic"], row["hybrid"], row["outside"]) == (
        5,
        3,
        0,
        2,
        0,
    )
    assert (row["ratio_in_person"], row["ratio_electronic"], row["evaluation"]["false_channel"]) == (
        60.0,
        40.0,
        1,
    )
    assert_identities(table1)

    table2 = annex3.table2(period=round_.period)
    assert [r["name"] for r in table2["rows"] if r["verified"]] == [org.body.name_fa]
    assert _row(table2, org.body)["total"] == 5
    assert not _row(table2, org.ministry)["verified"]  # the HQ's own form is still a draft
    assert_identities(table2)


def test_annex3_of_a_past_round_lists_the_catalog_of_that_bimonth(audit_org):
    """GIVEN the previous bimonth, a catalog in force since before it, a service added after it and
      HY1 moved to the electronic desk after it
    WHEN that round is opened now, and the form verified after the body corrects IN2 to outside
    THEN the form lists the catalog of the bimonth's last day (no new service, HY1 hybrid with its
      reason of then), and the
      tables agree with the form and with themselves."""
    org = audit_org
    past = Period.containing(
        Period.containing(timezone.localdate(), "B").start - timezone.timedelta(days=1), "B"
    )
    before = past.start - timezone.timedelta(days=30)
    SubService.objects.filter(body=org.body).update(valid_from=before)
    ServiceState.objects.filter(service__body=org.body).update(effective_from=before)
    SubServiceFactory(body=org.body, code="NEW", channel="in_person", non_electronic_reason="law")
    hybrid = SubService.objects.get(body=org.body, code="HY1")
    hybrid.channel, hybrid.non_electronic_reason, hybrid.eservice_url = "electronic", "", "https://x.ir/hy1"
    hybrid.save()

    round_ = services.audit_round_open(year=past.year, number=past.number)
    form = AuditForm.objects.get(round=round_, unit=org.unit)
    assert sorted(form.rows.values_list("code", "channel")) == [
        ("EL1", "electronic"),
        ("HY1", "hybrid"),
        ("IN1", "in_person"),
        ("IN2", "in_person"),
        ("OUT", "outside"),
    ]
    form = _verify(org, form, corrections={"IN2": {"channel": "outside", "reason": "internal"}})
    assert form.totals == {"a": 5, "b": 1, "c": 1, "d": 1, "e": 2}

    table1 = annex3.table1(period=past, province=org.unit.province_id)
    row = _row(table1, org.body)
    assert (row["total"], row["in_person"], row["electronic"], row["hybrid"], row["outside"]) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert (row["ratio_in_person"], row["ratio_electronic"]) == (20.0, 40.0)
    assert_identities(table1)
    table2 = annex3.table2(period=past)
    assert_identities(table2)
    # The current bimonth has no verified form: empty rows, the catalog of today noted beside them.
    current = annex3.table1(
        period=Period.containing(timezone.localdate(), "B"), province=org.unit.province_id
    )
    assert (_row(current, org.body)["verified"], _row(current, org.body)["catalog_total"]) == (False, 6)
    assert_identities(current)


@pytest.mark.parametrize("hq_only", [True, False])
def test_identities_hold_with_no_verified_form(audit_org, hq_only):
    from apps.orgs.models import Body

    table = annex3.table2(
        period=Period.containing(timezone.localdate(), "B"), bodies=Body.objects.all(), hq_only=hq_only
    )
    assert table["rows"]
    assert not any(row["verified"] for row in table["rows"])
    assert_identities(table)
