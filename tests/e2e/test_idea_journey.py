"""GIVEN a citizen's idea registered online WHEN a member of the national ideas working group opens it
in the group's queue, writes the public title and summary and refers it to the competent body, and a
people's communication clerk of that body records the result of the review, both in the browser, THEN
the proposer receives the result by SMS exactly once (console backend), and the public page /ideas/ on
a 360 px phone shows the idea with its body and outcome — and nothing about the proposer."""

import pytest
from playwright.sync_api import expect

from apps.cases.models import CaseEvent, CaseNotification, IdeaReview
from apps.core import messaging
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from apps.orgs import roles
from apps.orgs.models import Body
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE
from tests.factories import BodyFactory, OrgUnitFactory, hq_unit, registered_case, staff_user
from tests.i18n import fa as _fa

# Holidays and provinces come from data migrations, which a transactional test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
MOBILE = "09121234567"  # tests.factories.registered_case
NATIONAL_CODE = "0499370899"
PROPOSER = "سارا محمدی"
TITLE = "ایستگاه دوچرخهٔ عمومی کنار ایستگاه‌های مترو"
SUMMARY = "پیشنهاد شده است که کنار ایستگاه‌های مترو ایستگاه کرایهٔ دوچرخه ساخته شود."
RESULT = "ده ایستگاه در برنامهٔ سال آینده گنجانده شد."


@pytest.fixture
def journey(db):
    province_desk = OrgUnitFactory(name="میز ارتباطات مردمی استانداری تهران")
    body = BodyFactory(name_fa="شرکت بهره‌برداری متروی تهران")
    hq_unit(body=body, name="ستاد شرکت بهره‌برداری متروی تهران")
    body_unit = OrgUnitFactory(body=body, province=province_desk.province, name="مدیریت امور مشترکان مترو")
    centre = BodyFactory(kind=Body.Kind.CENTRE, name_fa="مرکز ارتباطات مردمی")
    member = staff_user(roles.IDEAS_MEMBER, unit=hq_unit(body=centre, name="دبیرخانه کارگروه ایده‌ها"))
    clerk = staff_user(roles.PEOPLE_CLERK, unit=body_unit)
    case = registered_case(case_type="idea", unit=province_desk, channel="online", level="province")
    return {"case": case, "body": body, "body_unit": body_unit, "member": member, "clerk": clerk}


def _login(context, live_server, user, next_path):
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_path}")
    return page


def test_an_idea_goes_through_the_working_group_to_a_body_and_back_to_the_proposer(
    browser, live_server, journey, shot, no_horizontal_overflow, axe_check
):
    expect.set_options(timeout=WAIT)
    case = journey["case"]
    messaging.outbox.clear()

    # The working group: the queue, the idea's page, accept and refer.
    group = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = _login(group, live_server, journey["member"].user, "/ideas/review/")
    row = page.locator("table tbody tr", has_text=to_persian_digits(tracking_code_display(case.tracking_code)))
    expect(row).to_contain_text("موضوع مورد")
    with page.expect_navigation():
        row.locator("a").click()
    expect(page.locator("main")).to_contain_text("شرح مورد")
    page.select_option("#id_accept-competent_body", label=journey["body"].name_fa)
    page.fill("#id_accept-public_title", TITLE)
    page.fill("#id_accept-public_summary", f"{SUMMARY} {PROPOSER}")  # a slip: the proposer's name
    with page.expect_navigation():
        page.click("#accept button[type=submit]")
    expect(page.locator("#accept .errorlist")).to_contain_text(_fa("Remove the proposer's name: the public page shows no personal data."))
    expect(page.locator("#id_accept-public_title")).to_have_value(TITLE)
    page.fill("#id_accept-public_summary", SUMMARY)
    shot(page, "ideas-1-accept")
    with page.expect_navigation():
        page.click("#accept button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(
        _fa("The idea was accepted and referred to the competent body; the proposer is told by SMS.")
    )
    review = IdeaReview.objects.get(case=case)
    assert review.state == IdeaReview.State.REFERRED
    case.refresh_from_db()
    assert case.handling_unit == journey["body_unit"]
    accepted = [m.text for m in messaging.outbox if m.mobile == MOBILE]
    assert len(accepted) == 1
    assert journey["body"].name_fa in accepted[0]

    # The competent body: its list, the idea, the result.
    body = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = _login(body, live_server, journey["clerk"].user, "/ideas/body/")
    expect(page.locator("table tbody")).to_contain_text(TITLE)
    with page.expect_navigation():
        page.locator("table tbody tr", has_text=TITLE).locator("a").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    page.check("input[name=result][value=planned]")
    page.fill("#id_text", RESULT)
    shot(page, "ideas-2-result")
    with page.expect_navigation():
        page.click("#result button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(
        _fa("The result was recorded; the proposer is told by SMS and the centre sees it.")
    )

    # The proposer: the result by SMS, once.
    results = [m.text for m in messaging.outbox if m.mobile == MOBILE and RESULT in m.text]
    assert len(results) == 1, results
    assert _fa("Accepted for implementation") in results[0]
    assert journey["body"].name_fa in results[0]
    assert to_persian_digits(case.tracking_code[:3]) in results[0]
    assert CaseNotification.objects.filter(case=case, event__kind=CaseEvent.Kind.IDEA_RESULT, channel="sms").count() == 1
    assert len([m for m in messaging.outbox if m.mobile == MOBILE]) == 2  # accepted, result

    # The centre: the result on the working group's "reviewed" tab.
    page = group.pages[0]
    page.goto(f"{live_server.url}/ideas/review/?tab=reviewed")
    expect(page.locator("table tbody")).to_contain_text(_fa("Accepted for implementation"))
    shot(page, "ideas-4-results-tab")
    problems = axe_check(page, fail=False)

    # Everyone: the public page on a phone, without the proposer.
    public = browser.new_context(viewport=PHONE, locale="fa-IR", is_mobile=True, java_script_enabled=False)
    page = public.new_page()
    page.set_default_timeout(WAIT)
    page.goto(f"{live_server.url}/ideas/")
    main = page.locator("main")
    expect(main).to_contain_text(TITLE)
    expect(main).to_contain_text(SUMMARY)
    expect(main).to_contain_text(journey["body"].name_fa)
    expect(main).to_contain_text(_fa("Accepted for implementation"))
    html = page.content()
    for secret in (PROPOSER, NATIONAL_CODE, to_persian_digits(NATIONAL_CODE), MOBILE, to_persian_digits(MOBILE), RESULT, "شرح مورد"):
        assert secret not in html, secret
    no_horizontal_overflow(page)
    shot(page, "ideas-3-public")
    # axe-core needs JavaScript, which the citizen's page above did without.
    checked = browser.new_context(viewport=PHONE, locale="fa-IR", is_mobile=True).new_page()
    checked.goto(f"{live_server.url}/ideas/")
    problems += axe_check(checked, fail=False)
    checked.context.close()
    assert not problems, "\n".join(problems)
    for context in (group, body, public):
        context.close()
