"""The audit pages: scoping (404 outside it, 403 for actions not the user's), the formsets of both
parts, the workflow buttons, the PDF and the cost of the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audits import services
from apps.audits.models import AuditForm, AuditSpaceItem
from apps.core.models import ChangeRecord
from apps.orgs import roles
from tests.factories import BodyFactory, OrgUnitFactory, SubServiceFactory, audit_round_opened, staff_user
from tests.filejobs import file_by_job
from tests.pdf_utils import keep_pdf, pdf_page_size_mm, pdf_text, reads

RATED = {item: {"body_rating": "good", "body_note": ""} for item in AuditSpaceItem.Item.values}


def _form(unit) -> AuditForm:
    return AuditForm.objects.get(unit=unit)


def _url(name: str, form: AuditForm) -> str:
    return reverse(f"audits:{name}", args=[form.pk])


def _post_data(response, action: str, **changes) -> dict:
    """What the browser would post back from the page as drawn, with `changes` ({field name: value}
    of the bound forms, e.g. "rows-0-channel") applied; checkboxes post only when ticked."""
    context = response.context
    data = {"action": action, "version": str(context["form"].version)}
    for name in ("rows", "space"):
        formset = context["formsets"][name]
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = str(value)
        for form in formset.forms:
            for field in form:
                value = field.value()
                if field.widget_type == "checkbox":
                    if value:
                        data[field.html_name] = "on"
                elif value is not None:
                    data[field.html_name] = str(value)
    for key in ("evaluation", "return"):
        if key in context["formsets"]:
            for field in context["formsets"][key]:
                data[field.html_name] = field.value() or ""
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        else:
            data[key] = "on" if value is True else value
    return data


def _row_index(response, code: str) -> int:
    return next(
        i for i, f in enumerate(response.context["formsets"]["rows"].forms) if f.instance.code == code
    )


@pytest.fixture
def opened(audit_org):
    audit_round_opened()
    return audit_org


# --- scope --------------------------------------------------------------------------------------


def test_the_list_shows_each_role_its_own_forms(client, opened):
    org = opened
    expectations = [
        (org.supervisor, {org.unit}),
        (
            org.auditor,
            set(AuditForm.objects.filter(unit__province=org.unit.province).values_list("unit", flat=True)),
        ),
        (org.national, set(AuditForm.objects.values_list("unit", flat=True))),
    ]
    for who, units in expectations:
        client.force_login(who.user)
        page = client.get(reverse("audits:form_list"))
        assert page.status_code == 200
        shown = {f.unit_id for f in page.context["forms"]}
        assert shown == {u.pk if hasattr(u, "pk") else u for u in units}
    client.force_login(org.auditor.user)
    shown = {f.unit_id for f in client.get(reverse("audits:form_list")).context["forms"]}
    assert org.hq.pk not in shown  # HQ forms are the national organisation's


def test_a_provincial_auditor_of_another_province_gets_404_on_the_form(client, opened):
    form = _form(opened.unit)
    client.force_login(opened.other_auditor.user)

    for name in ("form_detail", "form_history"):
        assert client.get(_url(name, form)).status_code == 404
    assert client.post(_url("form_pdf", form)).status_code == 404
    assert client.post(_url("form_detail", form), {"action": "evaluate"}).status_code == 404


def test_a_provincial_auditor_gets_404_on_hq_forms(client, opened):
    client.force_login(opened.auditor.user)
    assert client.get(_url("form_detail", _form(opened.hq))).status_code == 404


def test_desk_clerks_have_no_audit_pages(client, opened):
    clerk = staff_user(roles.DESK_CLERK, unit=opened.unit)
    client.force_login(clerk.user)
    assert client.get(reverse("audits:form_list")).status_code == 403
    assert client.get(_url("form_detail", _form(opened.unit))).status_code == 403


def test_list_query_count_is_constant(client, opened):
    client.force_login(opened.national.user)
    url = reverse("audits:form_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["forms"]) == 5
    for n in range(6):
        body = BodyFactory()
        SubServiceFactory(body=body, code=f"X{n}")
        OrgUnitFactory(body=body)
    audit_round_opened()
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["forms"]) == 11
    assert len(many) == len(few)


# --- the body's part ----------------------------------------------------------------------------


def test_the_supervisor_edits_and_submits_the_declaration_through_the_page(client, opened):
    org = opened
    form = _form(org.unit)
    client.force_login(org.supervisor.user)
    page = client.get(_url("form_detail", form))
    assert page.status_code == 200
    assert page.context["perms"].edit_body
    out = _row_index(page, "OUT")
    ratings = {f"space-{i}-body_rating": "good" for i in range(4)}

    response = client.post(
        _url("form_detail", form),
        _post_data(
            page,
            "submit",
            **{f"rows-{out}-channel": "in_person", f"rows-{out}-reason": "law"},
            **ratings,
        ),
    )

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == "submitted"
    assert form.preparer == org.supervisor
    assert form.rows.get(code="OUT").channel == "in_person"
    assert set(form.space_items.values_list("body_rating", flat=True)) == {"good"}


def test_a_declaration_without_a_reason_is_not_saved(client, opened):
    form = _form(opened.unit)
    client.force_login(opened.supervisor.user)
    page = client.get(_url("form_detail", form))
    row = _row_index(page, "IN2")

    response = client.post(_url("form_detail", form), _post_data(page, "save", **{f"rows-{row}-reason": ""}))

    assert response.status_code == 200
    assert response.context["formsets"]["rows"].forms[row].errors["reason"]
    assert form.rows.get(code="IN2").reason == "internal"


def test_submission_locks_the_body_part_against_posted_edits(client, opened):
    org = opened
    form = _form(org.unit)
    client.force_login(org.supervisor.user)
    page = client.get(_url("form_detail", form))
    row = _row_index(page, "IN1")
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=org.supervisor)
    records = ChangeRecord.objects.count()

    response = client.post(
        _url("form_detail", form), _post_data(page, "save", **{f"rows-{row}-channel": "outside"})
    )

    assert response.status_code == 403
    assert form.rows.get(code="IN1").channel == "in_person"
    assert ChangeRecord.objects.count() == records
    again = client.get(_url("form_detail", form))
    assert not again.context["editing"]


def test_a_stale_page_is_told_to_reload(client, opened):
    form = _form(opened.unit)
    client.force_login(opened.supervisor.user)
    page = client.get(_url("form_detail", form))
    services.audit_form_body_update(form=form, by=opened.supervisor, space={1: {"body_note": "از صفحه دیگر"}})

    response = client.post(
        _url("form_detail", form), _post_data(page, "save", **{"space-0-body_note": "قدیمی"}), follow=True
    )

    assert form.space_items.get(item=1).body_note == "از صفحه دیگر"
    assert any(m.level_tag == "error" for m in response.context["messages"])


# --- the evaluator's part -----------------------------------------------------------------------


def _submit(org) -> AuditForm:
    form = _form(org.unit)
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    return services.audit_form_submit(form=form, by=org.supervisor)


def test_the_provincial_auditor_evaluates_and_verifies_through_the_page(client, opened):
    org = opened
    form = _submit(org)
    client.force_login(org.auditor.user)
    page = client.get(_url("form_detail", form))
    assert page.context["perms"].can_start
    out = _row_index(page, "OUT")

    client.post(_url("form_detail", form), _post_data(page, "evaluate"))
    form.refresh_from_db()
    assert (form.state, form.evaluator) == ("under_evaluation", org.auditor)

    page = client.get(_url("form_detail", form))
    ratings = {f"space-{i}-evaluator_rating": "weak" for i in range(4)}
    response = client.post(
        _url("form_detail", form),
        _post_data(
            page,
            "verify",
            **{f"rows-{out}-channel_false": True, "improvement_points": "راهنما مستقر شود."},
            **ratings,
        ),
    )

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == "verified"
    assert form.evaluated_at is not None
    assert form.improvement_points == "راهنما مستقر شود."
    assert [r.code for r in form.rows.filter(channel_false=True)] == ["OUT"]


def test_the_auditor_returns_a_form_with_a_comment(client, opened):
    form = _submit(opened)
    client.force_login(opened.auditor.user)
    page = client.get(_url("form_detail", form))

    client.post(_url("form_detail", form), _post_data(page, "return", comment="جدول چهارم ناقص است."))

    form.refresh_from_db()
    assert (form.state, form.return_comment) == ("returned", "جدول چهارم ناقص است.")
    client.force_login(opened.supervisor.user)
    assert client.get(_url("form_detail", form)).context["perms"].edit_body


def test_the_supervisor_cannot_post_the_evaluators_part(client, opened):
    form = _submit(opened)
    client.force_login(opened.supervisor.user)
    assert (
        client.post(_url("form_detail", form), {"action": "verify", "version": form.version}).status_code
        == 403
    )


def test_a_national_auditor_sees_but_does_not_evaluate_provincial_forms(client, opened):
    form = _submit(opened)
    client.force_login(opened.national.user)
    page = client.get(_url("form_detail", form))
    assert page.status_code == 200
    assert not page.context["editing"]
    assert (
        client.post(_url("form_detail", form), {"action": "evaluate", "version": form.version}).status_code
        == 403
    )


# --- PDF and history ----------------------------------------------------------------------------


def test_the_pdf_prints_the_body_the_section_1_rows_and_the_found_false_marks(
    client, opened, django_capture_on_commit_callbacks
):
    org = opened
    form = _submit(org)
    out = form.rows.get(code="OUT")
    services.audit_form_evaluation_update(form=form, by=org.auditor, rows={out.pk: {"channel_false": True}})
    client.force_login(org.auditor.user)

    response, pdf = file_by_job(client, _url("form_pdf", form), django_capture_on_commit_callbacks)

    assert response["Content-Type"] == "application/pdf"
    keep_pdf(pdf, "audit-form")
    text = pdf_text(pdf)
    assert reads(text, org.body.name_fa)
    assert reads(text, org.ministry.name_fa)
    for row in form.rows.all():
        assert reads(text, row.title)
    assert reads(text, "مغایر")  # the evaluator's mark on OUT, and the list under §1
    assert reads(text, "فرم ارزیابی استقرار میز خدمت")
    assert reads(text, org.supervisor.full_name)
    assert reads(text, org.auditor.full_name)
    width, height = pdf_page_size_mm(pdf)
    assert width > height  # A4 landscape


def test_the_history_lists_every_change_with_its_actor(client, opened):
    form = _submit(opened)
    client.force_login(opened.supervisor.user)

    page = client.get(_url("form_history", form))

    assert page.status_code == 200
    actions = [e.record.action for e in page.context["entries"]]
    assert actions == ["submitted", "body_updated", "opened"]
    rated = page.context["entries"][1]
    assert len(rated.rows) == 4  # the four §2 items
    assert page.context["entries"][0].changes  # state, date, preparer
