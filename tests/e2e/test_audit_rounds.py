"""A round's lifecycle in the browser: overdue forms flagged, the audit score on the form, and a
national auditor reopening a verified form whose verified version stays readable."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.audits import services
from apps.audits.models import AuditForm, AuditSpaceItem
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_audit import audited  # noqa: F401 (the fixture: a Mazandaran directorate's form)
from tests.factories import hq_unit, staff_user
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000
REASON = "ارزیابی بخش ۴ باید با بازدید دوباره انجام شود."


def _verified(audited) -> AuditForm:  # noqa: F811
    form = audited["form"]
    rated = {i: {"body_rating": "good"} for i in AuditSpaceItem.Item.values}
    services.audit_form_body_update(form=form, by=audited["supervisor"], space=rated)
    form = services.audit_form_submit(form=form, by=audited["supervisor"])
    evaluated = {i: {"evaluator_rating": "average"} for i in AuditSpaceItem.Item.values}
    services.audit_form_evaluation_update(form=form, by=audited["auditor"], space=evaluated)
    return services.audit_form_verify(form=form, by=audited["auditor"])


def test_a_national_auditor_reopens_a_verified_form_and_its_verified_version_stays_readable(
    browser, live_server, login, audited, shot, no_horizontal_overflow  # noqa: F811
):
    """GIVEN the directorate's form verified (score frozen) and the ministry's HQ form past its due date
    WHEN a national auditor opens the audit list, the verified form, gives a reason and reopens it,
    then reads version 1 from the history on a phone
    THEN the HQ form is flagged overdue, the form shows its score and formula, the form is under
    evaluation again, the history keeps the reason, and version 1 reads as verified."""
    expect.set_options(timeout=WAIT)
    form = _verified(audited)
    AuditForm.objects.exclude(pk=form.pk).update(declaration_due=timezone.localdate() - dt.timedelta(days=2))
    national = staff_user(roles.NATIONAL_AUDITOR, unit=hq_unit(name="سازمان اداری و استخدامی کشور"))

    context = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, national.user)
    page.goto(f"{live_server.url}/audits/")
    expect(page.locator("#overdue-note")).to_be_visible()
    expect(page.locator("table.au-list .au-overdue")).to_have_count(1)
    expect(page.locator("#round-deadlines")).to_be_visible()
    shot(page, "audit-rounds-1-list-overdue")

    page.goto(f"{live_server.url}/audits/forms/{form.pk}/")
    expect(page.locator("#audit-score")).not_to_have_text("—")
    expect(page.locator("#score .rp-formula-line")).to_contain_text("امتیاز ممیزی")
    page.locator("#score").scroll_into_view_if_needed()
    shot(page, "audit-rounds-2-score")
    page.fill("#reopen-form textarea", REASON)
    with page.expect_navigation():
        page.click("#reopen-button")
    expect(page.locator("#form-state")).to_have_text(_fa("Under evaluation"))
    shot(page, "audit-rounds-3-reopened")
    context.close()

    context = browser.new_context(viewport=PHONE, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, national.user)
    page.goto(f"{live_server.url}/audits/forms/{form.pk}/history/")
    expect(page.locator(".mg-history")).to_contain_text(REASON)
    shot(page, "audit-rounds-4-history-phone")
    no_horizontal_overflow(page)
    with page.expect_navigation():
        page.click(f"a[href='/audits/forms/{form.pk}/versions/1/']")
    expect(page.locator("#version-banner")).to_be_visible()
    expect(page.locator("#form-state")).to_have_text(_fa("Verified"))
    shot(page, "audit-rounds-5-version-phone")
    context.close()
    assert AuditForm.objects.get(pk=form.pk).state == AuditForm.State.UNDER_EVALUATION
