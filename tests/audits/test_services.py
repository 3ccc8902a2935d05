"""The audit workflow: opening rounds pre-filled from the portal's data, the state machine, who may
do what, and the change log."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audits import services
from apps.audits.models import AuditForm, AuditRound, AuditServiceRow, AuditSpaceItem
from apps.core.jalali import Period
from apps.core.models import ChangeRecord
from apps.core.services import change_history
from apps.desk.models import ServiceRequest
from apps.orgs import roles
from tests.audits.conftest import delivered_notice
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    answered_request,
    audit_round_opened,
    desk_request,
    hq_unit,
    staff_user,
    survey_response,
)

RATED = {item: {"body_rating": "good", "body_note": ""} for item in AuditSpaceItem.Item.values}
EVALUATED = {
    item: {"evaluator_rating": "average", "evaluator_note": ""} for item in AuditSpaceItem.Item.values
}


def _form(unit) -> AuditForm:
    return AuditForm.objects.get(unit=unit, round__in=AuditRound.objects.all())


def _rows(form) -> dict[str, AuditServiceRow]:
    return {r.code: r for r in form.rows.all()}


def _submitted(org) -> AuditForm:
    form = _form(org.unit)
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    return services.audit_form_submit(form=form, by=org.supervisor)


# --- opening a round ----------------------------------------------------------------------------


def test_round_opening_prefills_section_1_counts_and_ratios_from_the_catalog(audit_org):
    round_ = audit_round_opened()

    period = Period.containing(timezone.localdate(), "B")
    assert (round_.year, round_.number) == (period.year, period.number)
    assert round_.period == period
    form = _form(audit_org.unit)
    assert form.state == AuditForm.State.DRAFT
    assert form.body == audit_org.body
    assert list(form.rows.values_list("code", flat=True)) == ["EL1", "HY1", "IN1", "IN2", "OUT"]
    assert form.totals == {"a": 5, "b": 2, "c": 1, "d": 1, "e": 1}
    assert form.ratio_in_person == pytest.approx(0.4)
    assert form.ratio_electronic == pytest.approx(0.4)
    rows = _rows(form)
    assert (rows["IN1"].title, rows["IN1"].service_type, rows["IN1"].reason) == (
        "صدور گواهی پایان کار ساختمان",
        "G2C",
        "law",
    )
    assert rows["EL1"].reason == ""
    assert sorted(form.space_items.values_list("item", flat=True)) == [1, 2, 3, 4]


def test_round_opening_prefills_section_3_from_the_information_documents(audit_org):
    audit_round_opened()

    rows = _rows(_form(audit_org.unit))
    full, bare = rows["IN1"], rows["IN2"]
    assert [getattr(full, f) for f in AuditServiceRow.PUBLISHED_FIELDS] == [True] * 8
    assert full.signs_at_desk is True  # a counter of this desk serves it
    assert full.phone == "011-33360000"
    assert full.website_url == f"{settings.SITE_URL}/services/{audit_org.services['IN1'].pk}/"
    assert full.offered_url == ""
    published = {f: getattr(bare, f) for f in AuditServiceRow.PUBLISHED_FIELDS}
    assert published == {
        "published_steps": True,
        "published_documents": False,
        "published_laws": False,
        "published_duration": True,
        "published_fees": False,
        "published_complaint": False,
        "published_responsible": False,
        "published_faq": False,
    }
    assert bare.signs_at_desk is False
    assert rows["EL1"].offered_url == "https://example.ir/e/el1"


def test_round_opening_prefills_section_4_from_the_requests_of_the_period(audit_org):
    """GIVEN at this desk in the period: three in-person requests of IN1 with 2, 1 and 2 of two
    documents taken at intake, the first delivered with the survey SMS; one of IN2, delivered and
    surveyed; an online request of HY1; an IN1 request of the previous bimonth; an IN1 request at
    another province's unit of the same body
    THEN IN1 reads 3 requests, receipt given, 83 % of documents at the request, survey given; IN2
    1 request, no documents (no percentage), survey given; HY1 nothing at the in-person desk."""
    org = audit_org
    in1, in2, hy1 = org.services["IN1"], org.services["IN2"], org.services["HY1"]
    first = desk_request(service=in1, unit=org.unit, received=[True, True])
    desk_request(service=in1, unit=org.department, received=[True, False])  # a department of this desk
    desk_request(service=in1, unit=org.unit, received=[True, True])
    delivered_notice(first)
    survey_response(answered_request(unit=org.unit, service=in2), answers=5)
    desk_request(service=hy1, unit=org.unit, received=[True], channel=ServiceRequest.Channel.ONLINE)
    old = desk_request(service=in1, unit=org.unit, received=[False, False])
    ServiceRequest.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=70))
    elsewhere = OrgUnitFactory(body=org.body, province=OrgUnitFactory().province)
    desk_request(service=in1, unit=elsewhere, received=[False, False])

    audit_round_opened()

    rows = _rows(_form(org.unit))
    assert (rows["IN1"].desk_requests, rows["IN1"].receipt_with_time) == (3, True)
    assert rows["IN1"].docs_at_request_pct == 83  # 5 of 6
    assert rows["IN1"].survey_given is True
    assert (rows["IN2"].desk_requests, rows["IN2"].receipt_with_time, rows["IN2"].survey_given) == (
        1,
        True,
        True,
    )
    assert rows["IN2"].docs_at_request_pct is None
    assert (rows["HY1"].desk_requests, rows["HY1"].receipt_with_time, rows["HY1"].survey_given) == (
        0,
        False,
        False,
    )
    other = _rows(_form(elsewhere))["IN1"]
    assert (other.desk_requests, other.docs_at_request_pct) == (1, 0)


def test_round_opening_prefills_section_5_from_what_the_portal_offers(audit_org):
    audit_round_opened()

    rows = _rows(_form(audit_org.unit))
    electronic, hybrid, in_person = rows["EL1"], rows["HY1"], rows["IN1"]
    assert electronic.page_url == "https://example.ir/e/el1"
    assert [getattr(electronic, f) for f in AuditServiceRow.E_FLAGS] == [True] * 7
    # No page of its own: the portal's e-desk; no document, so nothing to upload.
    assert hybrid.page_url == f"{settings.SITE_URL}/e/{audit_org.services['HY1'].pk}/"
    assert hybrid.e_upload is False
    assert all(getattr(hybrid, f) for f in AuditServiceRow.E_FLAGS[1:])
    assert in_person.page_url == ""
    assert not any(getattr(in_person, f) for f in AuditServiceRow.E_FLAGS)


def test_round_opening_prefills_section_6_from_the_questionnaires_of_the_period(audit_org):
    survey_response(answered_request(unit=audit_org.unit, service=audit_org.services["IN2"]), answers=5)

    audit_round_opened()

    satisfaction = _form(audit_org.unit).satisfaction
    assert satisfaction["responses"] == 1
    # Twelve questions at 100, the four reverse-scored ones (9, 11, 14, 15) at 0.
    assert satisfaction["overall"] == 75.0
    assert [a["order"] for a in satisfaction["axes"]] == [1, 2, 3, 4, 5, 6]
    assert satisfaction["axes"][0] == {
        "order": 1,
        "title": "شفافیت فرایندی",
        "index": 100.0,
        "count": 3,
        "questions": [1, 2, 3],
    }
    assert len(satisfaction["questions"]) == 16
    assert _form(audit_org.hq).satisfaction["responses"] == 0  # the directorate's desk has its own form


def test_round_opening_is_idempotent(audit_org):
    first = audit_round_opened()
    forms, rows, records = (
        AuditForm.objects.count(),
        AuditServiceRow.objects.count(),
        ChangeRecord.objects.count(),
    )

    again = audit_round_opened()

    assert again == first
    assert AuditRound.objects.count() == 1
    assert (AuditForm.objects.count(), AuditServiceRow.objects.count(), ChangeRecord.objects.count()) == (
        forms,
        rows,
        records,
    )
    OrgUnitFactory(body=audit_org.body)  # a provincial unit created since gets its form on the next run
    audit_round_opened()
    assert AuditForm.objects.count() == forms + 1


def test_round_opening_gives_forms_only_to_hq_and_provincial_units(audit_org):
    audit_round_opened()

    levels = set(AuditForm.objects.values_list("unit__level", flat=True))
    assert levels == {"hq", "province"}
    assert not AuditForm.objects.filter(unit=audit_org.department).exists()


def test_a_service_named_for_one_unit_is_listed_only_on_that_units_form(db):
    """GIVEN a body with an HQ and a provincial unit under it, a service offered only by the
    provincial unit and one that names no unit, and a request of the latter at the provincial desk
    THEN the HQ lists only the second, and the provincial request counts on the provincial form."""
    body = BodyFactory()
    hq = hq_unit(body=body)
    provincial = OrgUnitFactory(body=body, parent=hq)
    only_there = SubServiceFactory(body=body, code="P1")
    only_there.units.add(provincial)
    everywhere = SubServiceFactory(body=body, code="A1")
    WorkflowStageFactory(service=everywhere, order=1, responsible_unit=provincial)
    desk_request(service=everywhere, unit=provincial)

    audit_round_opened()

    hq_rows, provincial_rows = _rows(_form(hq)), _rows(_form(provincial))
    assert list(hq_rows) == ["A1"]
    assert list(provincial_rows) == ["A1", "P1"]
    assert (hq_rows["A1"].desk_requests, provincial_rows["A1"].desk_requests) == (0, 1)


def test_refresh_reads_section_4_again_and_adds_services_new_to_the_catalog(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    desk_request(service=audit_org.services["IN2"], unit=audit_org.unit, received=[True])
    SubServiceFactory(body=audit_org.body, code="NEW", channel="in_person", non_electronic_reason="law")

    services.audit_form_refresh(form=form, by=audit_org.supervisor, expected_version=form.version)

    rows = _rows(form)
    assert (rows["IN2"].desk_requests, rows["IN2"].receipt_with_time, rows["IN2"].docs_at_request_pct) == (
        1,
        True,
        100,
    )
    assert "NEW" in rows
    record = change_history(form).first()
    assert record.action == "refreshed"
    assert record.before["rows"]["IN2"] == {"receipt_with_time": False, "docs_at_request_pct": None}
    assert record.after["added"] == ["NEW — " + rows["NEW"].title]


# --- the state machine --------------------------------------------------------------------------


def test_a_form_goes_from_draft_through_return_to_verified(audit_org):
    """GIVEN a pre-filled draft
    WHEN the supervisor rates §2 and submits, the province's auditor starts the evaluation and
    returns it with a comment, the supervisor corrects a channel and submits again, and the
    auditor marks a channel false, rates §2 and verifies
    THEN the form passes draft → submitted → under evaluation → returned → submitted → under
    evaluation → verified, dated and named at each step."""
    org = audit_org
    audit_round_opened()
    form = _form(org.unit)
    with pytest.raises(ValidationError):
        services.audit_form_submit(form=form, by=org.supervisor)  # §2 not rated yet
    assert _form(org.unit).state == "draft"

    form = _submitted(org)
    assert (form.state, form.declared_at, form.preparer) == (
        "submitted",
        timezone.localdate(),
        org.supervisor,
    )

    form = services.audit_evaluation_start(form=form, by=org.auditor)
    assert (form.state, form.evaluator) == ("under_evaluation", org.auditor)
    with pytest.raises(ValidationError):
        services.audit_form_return(form=form, by=org.auditor, comment="  ")
    form = services.audit_form_return(form=form, by=org.auditor, comment="کانال خدمت OUT را بازبینی کنید.")
    assert (form.state, form.return_comment) == ("returned", "کانال خدمت OUT را بازبینی کنید.")

    out = _rows(form)["OUT"]
    services.audit_form_body_update(
        form=form, by=org.supervisor, rows={out.pk: {"channel": "in_person", "reason": "law"}}
    )
    form = services.audit_form_submit(form=form, by=org.supervisor)
    assert (form.state, form.return_comment) == ("submitted", "")
    assert form.totals == {"a": 5, "b": 3, "c": 1, "d": 1, "e": 0}

    form = services.audit_evaluation_start(form=form, by=org.auditor)
    with pytest.raises(ValidationError):
        services.audit_form_verify(form=form, by=org.auditor)  # §2 B not rated yet
    services.audit_form_evaluation_update(
        form=form,
        by=org.auditor,
        rows={out.pk: {"channel_false": True, "desk_correction": "رسید صادر نمی‌شود."}},
        space=EVALUATED,
        improvement_points="باجه راهنما لازم است.",
    )
    form = services.audit_form_verify(form=form, by=org.auditor)
    assert (form.state, form.evaluated_at, form.evaluator) == ("verified", timezone.localdate(), org.auditor)
    assert [r.code for r in form.false_channel_rows] == ["OUT"]
    assert form.space_score == 50.0
    actions = list(change_history(form).values_list("action", flat=True))[::-1]
    assert actions == [
        "opened",
        "body_updated",
        "submitted",
        "evaluation_started",
        "returned",
        "body_updated",
        "submitted",
        "evaluation_started",
        "evaluation_updated",
        "verified",
    ]


def test_submission_locks_the_body_part(audit_org):
    audit_round_opened()
    form = _submitted(audit_org)
    row = _rows(form)["IN1"]

    with pytest.raises(services.AuditNotAllowed):
        services.audit_form_body_update(
            form=form, by=audit_org.supervisor, rows={row.pk: {"channel": "outside"}}
        )
    with pytest.raises(services.AuditNotAllowed):
        services.audit_form_submit(form=form, by=audit_org.supervisor)
    row.refresh_from_db()
    assert row.channel == "in_person"


def test_the_evaluator_part_waits_for_submission(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    row = _rows(form)["IN1"]

    with pytest.raises(services.AuditNotAllowed):
        services.audit_form_evaluation_update(
            form=form, by=audit_org.auditor, rows={row.pk: {"channel_false": True}}
        )
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evaluation_start(form=form, by=audit_org.auditor)


def test_saving_findings_on_a_submitted_form_starts_its_evaluation(audit_org):
    audit_round_opened()
    form = _submitted(audit_org)
    row = _rows(form)["OUT"]

    form = services.audit_form_evaluation_update(
        form=form, by=audit_org.auditor, rows={row.pk: {"channel_false": True}}
    )

    assert (form.state, form.evaluator) == ("under_evaluation", audit_org.auditor)
    row.refresh_from_db()
    assert row.channel_false is True


def test_only_the_evaluator_who_started_may_continue(audit_org):
    audit_round_opened()
    form = services.audit_evaluation_start(form=_submitted(audit_org), by=audit_org.auditor)
    colleague = staff_user(roles.PROVINCIAL_AUDITOR, unit=audit_org.auditor.unit)

    with pytest.raises(services.AuditNotAllowed, match="حسین موسوی"):
        services.audit_form_verify(form=form, by=colleague)


def test_a_stale_page_cannot_overwrite_a_newer_save(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    seen = form.version
    services.audit_form_body_update(
        form=form, by=audit_org.supervisor, space={1: {"body_note": "اول"}}, expected_version=seen
    )

    with pytest.raises(services.AuditConflict):
        services.audit_form_body_update(
            form=form, by=audit_org.supervisor, space={1: {"body_note": "دوم"}}, expected_version=seen
        )
    assert form.space_items.get(item=1).body_note == "اول"


# --- who may evaluate ---------------------------------------------------------------------------


def test_a_national_auditor_evaluates_hq_forms_and_a_provincial_auditor_cannot(audit_org):
    org = audit_org
    SubServiceFactory(body=org.ministry, code="M1")
    audit_round_opened()
    hq_form = _form(org.hq)
    ministry_supervisor = staff_user(roles.BODY_SUPERVISOR, unit=org.hq)
    services.audit_form_body_update(form=hq_form, by=ministry_supervisor, space=RATED)
    hq_form = services.audit_form_submit(form=hq_form, by=ministry_supervisor)

    with pytest.raises(services.AuditNotAllowed):
        services.audit_evaluation_start(form=hq_form, by=org.auditor)
    hq_form = services.audit_evaluation_start(form=hq_form, by=org.national)
    assert (hq_form.state, hq_form.evaluator) == ("under_evaluation", org.national)

    provincial = _submitted(org)
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evaluation_start(form=provincial, by=org.national)  # the province evaluates its units
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evaluation_start(form=provincial, by=org.other_auditor)


def test_only_a_supervisor_in_scope_edits_the_declaration(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    stranger = staff_user(roles.BODY_SUPERVISOR, unit=OrgUnitFactory())
    clerk = staff_user(roles.DESK_CLERK, unit=audit_org.unit)

    for who in (stranger, clerk, audit_org.auditor):
        with pytest.raises(services.AuditNotAllowed):
            services.audit_form_body_update(form=form, by=who, space={1: {"body_note": "x"}})


# --- the change log -----------------------------------------------------------------------------


def test_every_change_is_kept_with_before_and_after(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    row = _rows(form)["IN1"]
    records = ChangeRecord.objects.count()

    services.audit_form_body_update(
        form=form,
        by=audit_org.supervisor,
        rows={row.pk: {"channel": "hybrid", "reason": "digitisation", "published_faq": True}},
        space={1: {"body_rating": "excellent", "body_note": ""}},
    )
    # FAQ was already published, and a second save of the same channel changes nothing: neither is recorded.
    services.audit_form_body_update(form=form, by=audit_org.supervisor, rows={row.pk: {"channel": "hybrid"}})

    assert ChangeRecord.objects.count() == records + 1
    record = change_history(form).first()
    assert record.action == "body_updated"
    assert record.actor == audit_org.supervisor.user
    assert record.before == {
        "rows": {"IN1": {"channel": "in_person", "reason": "law"}},
        "space": {"1": {"body_rating": ""}},
    }
    assert record.after == {
        "rows": {"IN1": {"channel": "hybrid", "reason": "digitisation"}},
        "space": {"1": {"body_rating": "excellent"}},
    }

    services.audit_form_body_update(form=form, by=audit_org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=audit_org.supervisor)
    submitted = change_history(form).first()
    assert submitted.before["state"] == "draft"
    assert submitted.after["state"] == "submitted"
    assert submitted.after["preparer_id"] == audit_org.supervisor.pk
    assert submitted.after["declared_at"] == timezone.localdate().isoformat()


def test_an_electronic_service_needs_no_reason(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    row = _rows(form)["IN2"]

    services.audit_form_body_update(
        form=form, by=audit_org.supervisor, rows={row.pk: {"channel": "electronic"}}
    )

    row.refresh_from_db()
    assert (row.channel, row.reason) == ("electronic", "")


def test_submission_needs_a_reason_for_every_service_not_fully_electronic(audit_org):
    audit_round_opened()
    form = _form(audit_org.unit)
    row = _rows(form)["IN2"]
    services.audit_form_body_update(
        form=form, by=audit_org.supervisor, rows={row.pk: {"reason": ""}}, space=RATED
    )

    with pytest.raises(ValidationError, match="IN2"):
        services.audit_form_submit(form=form, by=audit_org.supervisor)
