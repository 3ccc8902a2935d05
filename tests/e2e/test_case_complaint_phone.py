"""GIVEN a province with its governorate (the governor's office inside it) and a ministry's provincial
directorate whose director-general holds the post "provincial director-general" WHEN a citizen on a
360 px phone confirms their mobile by the one-time code and registers a complaint online against that
director-general THEN the system routes it to the province governor's office, not to the directorate,
and says so; the handler refers and answers it; the citizen tracks it with the code, gives the national
code, downloads the response PDF, and rates the handling from the link in the closing SMS — and no page
scrolls sideways."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.cases.models import Case, CaseEvent
from apps.core import messaging
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from apps.orgs import roles
from tests.cases.test_public_views import complaint_tree
from tests.e2e.conftest import PHONE
from tests.factories import staff_user
from tests.files import PDF
from tests.i18n import fa as _fa
from tests.pdf_utils import pdf_text, reads

# Holidays and provinces come from data migrations, which a transactional test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
MOBILE = "09123456789"
NATIONAL_CODE = "0499370899"
APPLICANT = "رضا حسینی"
ANSWER = "رفتار مدیرکل بررسی شد و به ایشان تذکر کتبی داده شد."


def _sms(pattern: str) -> re.Match:
    for message in reversed(messaging.outbox):
        if message.mobile == MOBILE and (found := re.search(pattern, message.text)):
            return found
    raise AssertionError(f"no SMS to the citizen matches {pattern!r}")


def test_a_citizen_complains_online_against_a_director_general_and_the_governor_s_office_answers(
    page, live_server, login, tmp_path, shot, no_horizontal_overflow, axe_check
):
    problems: list[str] = []
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(PHONE)
    messaging.outbox.clear()
    tree = complaint_tree()
    handler = staff_user(roles.COMPLAINT_HANDLER, unit=tree["gov_unit"])

    # The one-time code, as on the e-desk.
    page.goto(f"{live_server.url}/cases/new/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#mobile", to_persian_digits(MOBILE))
    no_horizontal_overflow(page)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.fill("#otp", _sms(r"#([0-9]{6})\b").group(1))
    with page.expect_navigation():
        page.click("button[type=submit]")

    # The type and the body.
    page.check("#type-complaint")
    page.select_option("#body", str(tree["directorate"].pk))
    no_horizontal_overflow(page)
    shot(page, "case-1-choose")
    problems += axe_check(page, fail=False)
    with page.expect_navigation():
        page.click("button[type=submit]")

    # The form: the office and its director-general, the common fields, a scan.
    page.fill("#id_national_code", to_persian_digits(NATIONAL_CODE))
    page.fill("#id_full_name", APPLICANT)
    page.select_option("#id_unit", str(tree["directorate_unit"].pk))
    page.select_option("#id_official", str(tree["director"].pk))
    page.fill("#id_subject", "پاسخ ندادن به درخواست ملاقات")
    page.fill("#id_description", "سه بار درخواست ملاقات دادم و پاسخی نگرفتم.")
    scan = tmp_path / "letter.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("#id_attachment_1", str(scan))
    no_horizontal_overflow(page)
    shot(page, "case-2-form")
    problems += axe_check(page, fail=False)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")

    case = Case.objects.get()
    assert case.channel == Case.Channel.ONLINE
    assert case.handling_unit == tree["office"]  # the governor's office …
    assert case.handling_unit.body == tree["governorate"]
    assert case.handling_unit != tree["directorate_unit"]  # … never the director-general's own directorate
    expect(page.locator("#handling-unit")).to_have_text("دفتر استاندار")
    expect(page.locator("#routing-note")).to_contain_text("دفتر استاندار")
    expect(page.locator("main")).to_contain_text(to_persian_digits(tracking_code_display(case.tracking_code)))
    no_horizontal_overflow(page)
    shot(page, "case-3-registered")
    problems += axe_check(page, fail=False)

    # The governor's office: its complaint handler finds the case in the inbox, refers it to the
    # governorate's own unit and answers it, through the staff pages (on a desktop screen).
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, handler.user)
    page.goto(f"{live_server.url}/cases/inbox/")
    with page.expect_navigation():
        page.click(f"a:has-text('{to_persian_digits(tracking_code_display(case.tracking_code))}')")
    expect(page.locator("#handling-unit")).to_have_text("دفتر استاندار")
    page.check("#id_refer-kind_0")
    page.select_option("#id_refer-to_unit", str(tree["gov_unit"].pk))
    page.fill("#id_refer-note", "بررسی در حوزه استانداری")
    with page.expect_navigation():
        page.click(f"button:has-text('{_fa('Refer the case')}')")
    expect(page.locator("#handling-unit")).to_have_text("استانداری مازندران")
    page.check("#id_respond-outcome_0")
    page.fill("#id_respond-text", ANSWER)
    with page.expect_navigation():
        page.click(f"button:has-text('{_fa('Respond and close the case')}')")
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED
    assert case.handling_unit == tree["gov_unit"]
    assert list(case.events.filter(kind=CaseEvent.Kind.REFERRED).values_list("from_unit", "to_unit")) == [
        (tree["office"].pk, tree["gov_unit"].pk)
    ]
    assert case.responses.get().text == ANSWER
    page.set_viewport_size(PHONE)

    # Tracking, later, in a new session (the registering session sees its own case at once): the
    # status for anyone with the code, the response only after the national code.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/track/?code={case.tracking_code}")
    expect(page.locator("main")).to_contain_text(_fa("Closed"))
    expect(page.locator("main")).not_to_contain_text(ANSWER)
    page.fill("#nc", to_persian_digits(NATIONAL_CODE))
    with page.expect_navigation():
        page.click("form:has(#nc) button[type=submit]")
    expect(page.locator("main")).to_contain_text(ANSWER)
    no_horizontal_overflow(page)
    shot(page, "case-4-track")
    problems += axe_check(page, fail=False)
    with page.expect_download() as download:
        page.click(f"a:has-text('{_fa('Download the response (PDF)')}')")
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert reads(text, ANSWER)
    assert reads(text, APPLICANT)
    assert reads(text, "هیئت رسیدگی به تخلفات اداری")

    # The closing SMS carries the link to rate the handling.
    path = _sms(r"https?://[^/\s]+(/cases/rate/[^/\s]+/)").group(1)
    page.goto(f"{live_server.url}{path}")
    page.click("label[for=score-4]")
    no_horizontal_overflow(page)
    shot(page, "case-5-rate")
    problems += axe_check(page, fail=False)
    with page.expect_navigation():
        page.click("button.rate-submit")
    expect(page.locator(".rate-done")).to_be_visible()
    case.refresh_from_db()
    assert case.rating == 4
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
