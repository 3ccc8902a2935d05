"""The body's own corrections: "read the figures again" keeps the §4 values the body typed unless it
asks by name to replace them; and once a returned form comes back, the evaluator sees in the form
what the body changed since the return, with the value at the return."""

import pytest

from apps.audits import selectors, services
from apps.audits.models import AuditForm, AuditSpaceItem
from tests.audits.test_views import _post_data, _row_index, _url
from tests.factories import audit_round_opened, desk_request
from tests.i18n import fa

RATED = {item: {"body_rating": "good"} for item in AuditSpaceItem.Item.values}


@pytest.fixture
def form(audit_org) -> AuditForm:
    audit_round_opened()
    return AuditForm.objects.get(unit=audit_org.unit)


def _pct(form, code):
    return form.rows.get(code=code).docs_at_request_pct


# --- read the figures again ---------------------------------------------------------------------


def test_reading_the_figures_again_keeps_the_bodys_corrections_and_refreshes_the_rest(audit_org, form):
    """GIVEN the body corrected IN1's share of documents to 90 %
    WHEN requests arrive for IN1 and IN2 and the figures are read again
    THEN IN2 takes the portal's figure, IN1 keeps 90 %, and replacing by name puts the portal's back."""
    rows = {r.code: r.pk for r in form.rows.all()}
    services.audit_form_body_update(
        form=form, by=audit_org.supervisor, rows={rows["IN1"]: {"docs_at_request_pct": 90}}
    )
    for code in ("IN1", "IN2"):
        desk_request(service=audit_org.services[code], unit=audit_org.unit, received=[True, False])

    services.audit_form_refresh(form=form, by=audit_org.supervisor)

    assert (_pct(form, "IN1"), _pct(form, "IN2")) == (90, 50)
    assert form.rows.get(code="IN1").desk_requests == 1  # the portal's count is always read again
    assert selectors.audit_form_desk_corrections(form=form) == {("IN1", "docs_at_request_pct")}

    services.audit_form_refresh(form=form, by=audit_org.supervisor, replace_corrections=True)

    assert _pct(form, "IN1") == 50
    assert selectors.audit_form_desk_corrections(form=form) == set()


def test_the_page_says_corrections_are_kept_and_offers_to_replace_them(client, audit_org, form):
    client.force_login(audit_org.supervisor.user)
    page = client.get(_url("form_detail", form))
    assert 'id="refresh-all"' not in page.text  # nothing corrected yet: nothing to replace
    row = _row_index(page, "IN1")
    client.post(
        _url("form_detail", form), _post_data(page, "save", **{f"rows-{row}-docs_at_request_pct": "90"})
    )
    desk_request(service=audit_org.services["IN1"], unit=audit_org.unit, received=[True, False])

    page = client.get(_url("form_detail", form))
    assert 'id="refresh-all"' in page.text
    response = client.post(_url("form_detail", form), _post_data(page, "refresh"), follow=True)

    assert _pct(form, "IN1") == 90
    shown = [str(m) for m in response.context["messages"]]
    assert fa("§4 and §6 were read again from the portal's data of the period.") in shown
    assert any("۱" in m and "۴" in m for m in shown[1:])  # "the 1 §4 value you corrected was kept"

    page = response
    client.post(_url("form_detail", form), _post_data(page, "refresh_all"))
    assert _pct(form, "IN1") == 50
    history = client.get(_url("form_history", form))
    assert fa("The body's corrections to §4 replaced by the portal's figures") in history.text


# --- changes since the return -------------------------------------------------------------------


def _returned_and_resubmitted(org, form):
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=org.supervisor)
    services.audit_form_return(form=form, by=org.auditor, comment="EL1 حضوری-الکترونیکی است.")
    rows = {r.code: r.pk for r in form.rows.all()}
    services.audit_form_body_update(
        form=form,
        by=org.supervisor,
        rows={
            rows["EL1"]: {"channel": "hybrid", "reason": "digitisation"},
            rows["IN2"]: {"phone": "011-1"},  # changed and changed back: not a change
        },
        space={2: {"body_note": "هفت روز هفته باز است"}},
    )
    services.audit_form_body_update(
        form=form, by=org.supervisor, rows={rows["IN2"]: {"phone": "011-33360000"}}
    )
    return services.audit_form_submit(form=form, by=org.supervisor)


def test_the_changes_since_the_return_are_the_values_at_the_return_against_now(audit_org, form):
    form = _returned_and_resubmitted(audit_org, form)

    changes = selectors.audit_form_changes_since_return(form=AuditForm.objects.get(pk=form.pk))

    assert changes.rows == {"EL1": {"channel": "electronic", "reason": ""}}
    assert changes.space == {2: {"body_note": ""}}
    assert changes.returned_at is not None


def test_a_form_never_returned_or_with_the_body_shows_no_changes(audit_org, form):
    assert not selectors.audit_form_changes_since_return(form=form)
    services.audit_form_body_update(form=form, by=audit_org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=audit_org.supervisor)
    assert not selectors.audit_form_changes_since_return(form=AuditForm.objects.get(pk=form.pk))


def test_the_evaluator_sees_the_changed_fields_marked_with_their_value_at_the_return(client, audit_org, form):
    form = _returned_and_resubmitted(audit_org, form)
    client.force_login(audit_org.auditor.user)

    page = client.get(_url("form_detail", form))

    text = page.text
    assert 'id="changes-since-return"' in text
    el1 = text[text.index('data-code="EL1"') :]
    el1 = el1[: el1.index("</tr>")]
    assert "au-changed" in el1
    assert fa("Electronic desk") in el1  # the channel at the return
    in2 = text[text.index('data-code="IN2"') :]
    assert "au-changed" not in in2[: in2.index("</tr>")]
    assert "هفت روز هفته باز است" in text
    s2 = text[text.index('id="s2"') : text.index('id="s3"')]
    assert "au-changed" in s2

    client.force_login(audit_org.supervisor.user)  # the body sees its own form without the marks
    assert 'id="changes-since-return"' not in client.get(_url("form_detail", form)).text
