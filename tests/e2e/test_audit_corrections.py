"""The corrections of an audit form in the browser: the one a return comment asks for (a service
switched to hybrid, saved before its reason is chosen), a return without a comment, and the
evaluator finding the body's changes marked in the resubmitted form."""

import re

import pytest
from playwright.sync_api import expect

from apps.audits.models import AuditForm
from tests.e2e import test_audit
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_audit import WAIT, _log_in, _shot
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
audited = test_audit.audited  # the Mazandaran directorate's form, opened with its catalog

ELECTRONIC, IN_PERSON = "11452", "11450"
LONG_WORD = "ب" * 300  # a note typed without a space


def _sideways(page, selector: str) -> int:
    """How far the table in `selector`'s wrapper scrolls sideways (0: it fits)."""
    return page.evaluate(
        f"(() => {{ const w = document.querySelector('{selector}').closest('.table-wrap'); return w.scrollWidth - w.clientWidth; }})()"
    )


def test_a_service_switched_to_hybrid_and_saved_without_a_reason_comes_back_with_the_error(
    browser, live_server, login, audited, shot, no_horizontal_overflow
):
    """GIVEN a draft form with an electronic service
    WHEN the supervisor switches it to "in-person and electronic" and presses Save without a reason
    THEN the page comes back (no server error) with the error in Persian, the choice still made and
    nothing saved; choosing the reason and saving again saves it, and the service joins §4."""
    expect.set_options(timeout=WAIT)
    form = audited["form"]
    context, page = _log_in(browser, login, audited["supervisor"])
    page.goto(f"{live_server.url}/audits/forms/{form.pk}/")
    row = page.locator(f".au-s1 tr[data-code='{ELECTRONIC}']")
    row.locator("input[value='hybrid']").check()
    row.locator("input[name$='-reason_note']").fill(LONG_WORD)

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[name='action'][value='save']")
    assert posted.value.status == 200  # the page again, with the error: no server error
    expect(page.locator(".errorbox")).to_contain_text(
        _fa("Choose why it is not delivered at the electronic desk.")
    )
    expect(page.locator(".messages")).to_contain_text(
        _fa("Nothing was saved yet: correct the fields marked below and save again.")
    )
    expect(row.locator("input[value='hybrid']")).to_be_checked()
    expect(page.locator(f".au-s4 tr:has-text('{ELECTRONIC}')")).to_have_count(0)  # not saved, not in §4 yet
    no_horizontal_overflow(page)
    _shot(shot, page, "audit-fix-1-hybrid-without-reason")
    assert AuditForm.objects.get(pk=form.pk).rows.get(code=ELECTRONIC).channel == "electronic"

    row.locator("select[name$='-reason']").select_option("digitisation")
    with page.expect_navigation():
        page.click("button[name='action'][value='save']")
    expect(page.locator(".messages")).to_contain_text(_fa("The declaration was saved."))
    expect(page.locator(".au-s4 tbody tr")).to_have_count(3)  # in-person, hybrid, and the switched one
    saved = AuditForm.objects.get(pk=form.pk).rows.get(code=ELECTRONIC)
    assert (saved.channel, saved.reason, saved.reason_note) == ("hybrid", "digitisation", LONG_WORD)
    context.close()


def test_a_return_without_a_comment_is_refused_and_the_changes_come_back_marked(
    browser, live_server, login, audited, shot, no_horizontal_overflow
):
    """GIVEN a submitted form whose reason note is a 300-letter word
    WHEN the auditor returns it without a comment, then with one, and the supervisor switches a
    service to hybrid and submits again
    THEN the first return is refused and the form stays submitted; the table fits its width; the
    auditor finds the switched service marked with its channel at the return."""
    from apps.audits import services
    from apps.audits.models import AuditSpaceItem

    expect.set_options(timeout=WAIT)
    form = audited["form"]
    supervisor, auditor = audited["supervisor"], audited["auditor"]
    row = form.rows.get(code=IN_PERSON)
    services.audit_form_body_update(
        form=form,
        by=supervisor,
        rows={row.pk: {"reason_note": LONG_WORD}},
        space={i: {"body_rating": "good"} for i in AuditSpaceItem.Item.values},
    )
    services.audit_form_submit(form=form, by=supervisor)

    context, page = _log_in(browser, login, auditor)
    page.goto(f"{live_server.url}/audits/forms/{form.pk}/")
    assert _sideways(page, ".au-s1") <= 0  # the long word wraps in its cell
    page.click(".au-return summary")
    with page.expect_navigation():
        page.click("#return-form")
    expect(page.locator(".au-return")).to_contain_text(
        _fa("Say what the body must correct before returning the form.")
    )
    expect(page.locator("#form-state")).to_have_text(_fa("Submitted"))
    _shot(shot, page, "audit-fix-2-return-without-comment")
    assert AuditForm.objects.get(pk=form.pk).state == "submitted"
    page.fill("#id_comment", "خدمت صدور گواهی پایان کار به صورت حضوری-الکترونیکی ارائه می‌شود.")
    with page.expect_navigation():
        page.click("#return-form")
    expect(page.locator("#form-state")).to_have_text(_fa("Returned for correction"))
    context.close()

    context, page = _log_in(browser, login, supervisor)
    page.goto(f"{live_server.url}/audits/forms/{form.pk}/")
    page.locator(f".au-s1 tr[data-code='{IN_PERSON}'] input[value='hybrid']").check()
    with page.expect_navigation():
        page.click("#submit-declaration")
    expect(page.locator("#form-state")).to_have_text(_fa("Submitted"))
    context.close()

    context, page = _log_in(browser, login, auditor)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/audits/forms/{form.pk}/")
    expect(page.locator("#changes-since-return")).to_be_visible()
    changed = page.locator(f".au-s1 tr[data-code='{IN_PERSON}']")
    expect(changed).to_have_class(re.compile(r"\bau-changed\b"))
    expect(changed.locator(".au-was")).to_contain_text(_fa("In-person desk"))
    expect(page.locator(".au-s1 tr.au-changed")).to_have_count(1)
    no_horizontal_overflow(page)
    changed.scroll_into_view_if_needed()
    _shot(shot, page, "audit-fix-3-changes-since-return")
    context.close()
