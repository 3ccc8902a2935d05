"""Every audit page on every path it can take, in templates where a missing variable is an error.

The form page is drawn for the body (draft, returned), for the evaluator (submitted, under
evaluation), read-only (verified, other roles) and again after every refused post: a field left
invalid in each part, a channel changed so that the row would join §4 or §5, a return without a
comment, a step the form is not ready for, a stale page, a post to a locked or verified form. The
list, the history and the PDF are drawn in every state. Any missing variable fails the test
(tests.strict_templates, switched on for every test of this directory by its conftest), as does
any error raised while rendering.
"""

import re

import pytest
from django.urls import reverse

from apps.audits import services
from apps.audits.models import AuditForm, AuditSpaceItem
from apps.core import limits
from tests.audits.test_views import _form, _post_data, _row_index, _url
from tests.factories import audit_round_opened
from tests.i18n import fa

RATED = {item: {"body_rating": "good"} for item in AuditSpaceItem.Item.values}
EV_RATED = {item: {"evaluator_rating": "average"} for item in AuditSpaceItem.Item.values}


@pytest.fixture
def opened(audit_org):
    audit_round_opened()
    return audit_org


def _in_state(org, state: str) -> AuditForm:
    """The directorate's form brought to `state` through the services."""
    form = _form(org.unit)
    if state == "draft":
        return form
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=org.supervisor)
    if state == "submitted":
        return form
    services.audit_form_evaluation_update(form=form, by=org.auditor, space=EV_RATED)
    if state == "under_evaluation":
        return form
    if state in ("returned", "resubmitted"):
        form = services.audit_form_return(form=form, by=org.auditor, comment="جدول چهارم ناقص است.")
        if state == "returned":
            return form
        el1 = form.rows.get(code="EL1")
        services.audit_form_body_update(
            form=form, by=org.supervisor, rows={el1.pk: {"channel": "hybrid", "reason": "digitisation"}}
        )
        return services.audit_form_submit(form=form, by=org.supervisor)
    return services.audit_form_verify(form=form, by=org.auditor)


def _pages(client, form: AuditForm) -> None:
    for name in ("form_detail", "form_history"):
        assert client.get(_url(name, form)).status_code == 200, name
    assert client.post(_url("form_pdf", form)).status_code == 302  # to the file job's progress page
    assert client.get(reverse("audits:form_list")).status_code == 200


@pytest.mark.parametrize(
    "state", ["draft", "submitted", "under_evaluation", "returned", "resubmitted", "verified"]
)
def test_every_page_renders_for_every_role_in_every_state(client, opened, state):
    form = _in_state(opened, state)
    for staff in (opened.supervisor, opened.auditor, opened.national):
        client.force_login(staff.user)
        _pages(client, form)


# --- the body's part: every field it may leave invalid ----------------------------------------


def _body_post(client, org, form, **changes):
    client.force_login(org.supervisor.user)
    page = client.get(_url("form_detail", form))
    rows = {code: _row_index(page, code) for code in ("IN1", "IN2", "EL1", "HY1", "OUT")}
    data = _post_data(
        page, changes.pop("action", "save"), **{k.format(**rows): v for k, v in changes.items()}
    )
    return client.post(_url("form_detail", form), data)


BODY_ERRORS = {
    "electronic to hybrid without a reason": {"rows-{EL1}-channel": "hybrid"},
    "outside to in person with a bad address": {
        "rows-{OUT}-channel": "in_person",
        "rows-{IN1}-website_url": "نشانی نادرست",
    },
    "in person to electronic with a bad address": {
        "rows-{IN2}-channel": "electronic",
        "rows-{IN1}-offered_url": "http//",
    },
    "hybrid to outside, reason cleared": {"rows-{HY1}-channel": "outside", "rows-{HY1}-reason": ""},
    "a percentage above 100": {"rows-{IN1}-docs_at_request_pct": "105"},
    "a percentage that is not a number": {"rows-{IN1}-docs_at_request_pct": "نیمی"},
    "an unknown channel": {"rows-{IN2}-channel": "fax"},
    "a rating not on the scale": {"space-0-body_rating": "superb"},
    "a note too long": {"space-1-body_note": "ب" * (limits.NOTE + 1)},
}


@pytest.mark.parametrize("state", ["draft", "returned"])
@pytest.mark.parametrize("case", list(BODY_ERRORS))
def test_an_invalid_declaration_comes_back_with_what_was_typed_and_nothing_saved(client, opened, state, case):
    form = _in_state(opened, state)
    before = {r.code: (r.channel, r.reason, r.docs_at_request_pct) for r in form.rows.all()}
    version = AuditForm.objects.get(pk=form.pk).version

    response = _body_post(client, opened, form, **BODY_ERRORS[case])

    assert response.status_code == 200
    assert (
        response.context["formsets"]["rows"].total_error_count()
        + response.context["formsets"]["space"].total_error_count()
    )
    assert fa("Nothing was saved yet: correct the fields marked below and save again.") in response.text
    assert {r.code: (r.channel, r.reason, r.docs_at_request_pct) for r in form.rows.all()} == before
    assert AuditForm.objects.get(pk=form.pk).version == version


def test_a_service_switched_to_hybrid_stays_where_it_was_until_saved_and_keeps_the_choice(client, opened):
    """The 500 of issue 11: EL1 electronic → hybrid without a reason used to put EL1 into §4
    without its §4 fields while the page was drawn again."""
    form = _form(opened.unit)

    response = _body_post(client, opened, form, **{"rows-{EL1}-channel": "hybrid"})

    assert response.status_code == 200
    el1 = response.context["formsets"]["rows"].forms[_row_index(response, "EL1")]
    assert el1.errors["reason"] == [fa("Choose why it is not delivered at the electronic desk.")]
    assert re.search(r'value="hybrid"[^>]* checked', str(el1["channel"]))  # the choice typed is still there
    assert sorted(r.row.code for r in response.context["desk_rows"]) == ["HY1", "IN1", "IN2"]
    assert form.rows.get(code="EL1").channel == "electronic"


def test_the_section_4_total_keeps_the_last_valid_figure_after_a_rejected_percentage(client, opened):
    form = _form(opened.unit)
    form.rows.filter(code="IN1").update(docs_at_request_pct=80)
    form.rows.filter(code="IN2").update(docs_at_request_pct=60)

    response = _body_post(client, opened, form, **{"rows-{IN1}-docs_at_request_pct": "105"})

    assert response.context["desk_totals"]["pct"] == 70
    in1 = response.context["formsets"]["rows"].forms[_row_index(response, "IN1")]
    assert in1.errors["docs_at_request_pct"]
    assert 'value="105"' in str(in1["docs_at_request_pct"])  # what was typed stays in the box


def test_a_submission_refused_by_the_service_saves_nothing_and_keeps_what_was_typed(client, opened):
    form = _form(opened.unit)  # §2 not rated: the submission is refused

    response = _body_post(client, opened, form, action="submit", **{"space-0-body_note": "یادداشت تازه"})

    assert response.status_code == 200
    assert "یادداشت تازه" in response.text
    form.refresh_from_db()
    assert form.state == "draft"
    assert form.space_items.get(item=1).body_note == ""


def test_a_stale_page_and_a_refresh_render(client, opened):
    form = _form(opened.unit)
    client.force_login(opened.supervisor.user)
    page = client.get(_url("form_detail", form))
    services.audit_form_body_update(form=form, by=opened.supervisor, space={1: {"body_note": "دیگری"}})

    stale = client.post(_url("form_detail", form), _post_data(page, "save"), follow=True)
    refreshed = client.post(_url("form_detail", form), _post_data(page, "refresh"), follow=True)

    assert stale.status_code == refreshed.status_code == 200


# --- the evaluator's part -----------------------------------------------------------------------


def _evaluator_post(client, org, form, action: str, **changes):
    client.force_login(org.auditor.user)
    page = client.get(_url("form_detail", form))
    rows = {code: _row_index(page, code) for code in ("IN1", "IN2", "EL1", "HY1", "OUT")}
    data = _post_data(page, action, **{k.format(**rows): v for k, v in changes.items()})
    return client.post(_url("form_detail", form), data)


EVALUATOR_ERRORS = {
    "a rating not on the scale": ("evaluate", {"space-2-evaluator_rating": "superb"}),
    "a correction too long": ("evaluate", {"rows-{IN1}-desk_correction": "پ" * (limits.NOTE + 1)}),
    "points to improve too long": ("verify", {"improvement_points": "ت" * (limits.TEXT + 1)}),
    "a return without a comment": ("return", {"comment": "   "}),
    "a return with a comment too long": ("return", {"comment": "ث" * (limits.NOTE + 1)}),
}


@pytest.mark.parametrize("state", ["submitted", "under_evaluation", "resubmitted"])
@pytest.mark.parametrize("case", list(EVALUATOR_ERRORS))
def test_an_invalid_evaluation_comes_back_and_leaves_the_form_as_it_was(client, opened, state, case):
    form = _in_state(opened, state)
    action, changes = EVALUATOR_ERRORS[case]
    before = AuditForm.objects.get(pk=form.pk)

    response = _evaluator_post(client, opened, form, action, **changes)

    assert response.status_code == 200
    after = AuditForm.objects.get(pk=form.pk)
    assert (after.state, after.version, after.evaluator_id) == (
        before.state,
        before.version,
        before.evaluator_id,
    )


def test_a_return_without_a_comment_is_refused_and_the_form_stays_submitted(client, opened):
    """Issue 11 point 6: the refused return used to start the evaluation on its way out."""
    form = _in_state(opened, "submitted")

    response = _evaluator_post(client, opened, form, "return", comment="")

    form.refresh_from_db()
    assert (form.state, form.evaluator, form.return_comment) == ("submitted", None, "")
    assert response.context["formsets"]["return"].errors["comment"] == [
        fa("Say what the body must correct before returning the form.")
    ]
    assert 'class="card au-return" open' in response.text


def test_a_verification_refused_by_the_service_leaves_the_evaluation_unsaved_and_shown(client, opened):
    form = _in_state(opened, "submitted")  # §2 B not rated: verifying is refused

    response = _evaluator_post(client, opened, form, "verify", improvement_points="نکته تازه")

    assert response.status_code == 200
    assert "نکته تازه" in response.text
    form.refresh_from_db()
    assert (form.state, form.improvement_points) == ("submitted", "")


# --- posts to a form that is locked for the user ----------------------------------------------


@pytest.mark.parametrize(
    ("who", "action"), [("supervisor", "save"), ("supervisor", "refresh"), ("auditor", "evaluate")]
)
def test_a_post_to_a_verified_form_says_it_is_already_verified(client, opened, who, action):
    form = _in_state(opened, "verified")
    client.force_login(getattr(opened, who).user)

    response = client.post(_url("form_detail", form), {"action": action, "version": form.version})

    assert response.status_code == 403
    assert fa("This form is already verified: it can no longer be changed.") in response.text
    assert fa("Your role does not include this action. Ask your desk supervisor if you need it.") not in (
        response.text
    )


def test_a_post_to_a_submitted_declaration_says_it_is_locked(client, opened):
    form = _in_state(opened, "submitted")
    client.force_login(opened.supervisor.user)

    response = client.post(_url("form_detail", form), {"action": "save", "version": form.version})

    assert response.status_code == 403
    assert fa("The declaration was already submitted and is locked: nothing was changed.") in response.text


def test_someone_without_a_part_in_the_form_still_gets_the_plain_refusal(client, opened):
    form = _in_state(opened, "verified")
    client.force_login(opened.national.user)  # a national auditor does not evaluate provincial forms

    response = client.post(_url("form_detail", form), {"action": "evaluate", "version": form.version})

    assert response.status_code == 403
    assert fa("Your role does not include this action. Ask your desk supervisor if you need it.") in (
        response.text
    )


# --- the strict templates themselves -------------------------------------------------------------


def test_strict_templates_fail_on_a_missing_variable_and_let_an_absent_relation_through(db):
    from django.template import engines

    from tests.strict_templates import MissingTemplateVariable

    def render(text: str, **context) -> str:
        return engines["django"].from_string(text).render(context)

    with pytest.raises(MissingTemplateVariable, match="labl"):
        render("{{ labl }}", label="x")
    with pytest.raises(MissingTemplateVariable, match=r"row\.titel"):
        render("{{ row.titel }}", row={"title": "x"})
    assert render('{{ form.evaluator.full_name|default:"—" }}', form={"evaluator": None}) == "—"
    assert render("{% if nothing %}x{% endif %}{% firstof nothing 'y' %}") == "y"
