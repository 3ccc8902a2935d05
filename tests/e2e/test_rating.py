"""GIVEN an employee whose card was printed WHEN a citizen on a 360 px phone scans it, chooses a level,
writes a comment and submits THEN they see the thank-you page — and a second rating of the same
employee from the same browser the same day is refused politely, whether the page is reopened or a
form left open in another tab is sent. No page scrolls sideways; none needs JavaScript."""

import pytest
from playwright.sync_api import expect

from apps.feedback import services
from apps.feedback.models import StaffRating
from tests.e2e.conftest import PHONE
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory
from tests.i18n import fa as _fa

# Holidays and provinces come from data migrations, which a transactional test's flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs


@pytest.fixture
def card(db):
    body = BodyFactory(name_fa="اداره کل ثبت اسناد و املاک استان گیلان")
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک رشت", body=body)
    member = StaffFactory(
        unit=unit, first_name="سیدمحمدرضا", last_name="میرحسینی‌نژاد", post="کارشناس مسئول امور اسناد"
    )
    return services.staff_qr_issue(staff=member, by=None)


def test_citizen_rates_an_employee_from_a_phone(browser, live_server, card, shot, no_horizontal_overflow):
    # JavaScript off: the citizen's page must work without it (STYLE.md).
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="fa-IR", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    url = f"{live_server.url}/q/{card.token}"
    member = card.staff

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(member.full_name)
    expect(page.get_by_text(member.post)).to_be_visible()
    no_horizontal_overflow(page)
    # A second tab of the same browser, left open on the form (sent after the first rating).
    stale = context.new_page()
    stale.goto(url)

    page.get_by_label(_fa("Very much")).check()
    page.get_by_label(_fa("Your comment (optional)")).fill("با حوصله راهنمایی کردند؛ ممنونم.")
    shot(page, "rate-form")
    page.get_by_role("button", name=_fa("Submit my rating")).click()

    expect(page.get_by_role("heading", name=_fa("Thank you for your rating!"))).to_be_visible()
    no_horizontal_overflow(page)
    shot(page, "rate-thanks")
    rating = StaffRating.objects.get()
    assert (rating.staff_id, rating.score, rating.comment) == (
        member.pk,
        5,
        "با حوصله راهنمایی کردند؛ ممنونم.",
    )

    # Reopened the same day: the notice instead of the form.
    page.goto(url)
    expect(
        page.get_by_role("heading", name=_fa("You have already rated this colleague today."))
    ).to_be_visible()
    expect(page.get_by_role("button", name=_fa("Submit my rating"))).to_have_count(0)
    no_horizontal_overflow(page)
    shot(page, "rate-again")

    # The form left open in the other tab is refused the same way.
    stale.get_by_label(_fa("Very little")).check()
    stale.get_by_role("button", name=_fa("Submit my rating")).click()
    expect(
        stale.get_by_role("heading", name=_fa("You have already rated this colleague today."))
    ).to_be_visible()
    assert StaffRating.objects.count() == 1
    context.close()


def test_a_replaced_card_says_so(browser, live_server, card, shot, no_horizontal_overflow):
    services.staff_qr_reissue(staff=card.staff, by=None)
    context = browser.new_context(viewport=PHONE, locale="fa-IR", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    response = page.goto(f"{live_server.url}/q/{card.token}")
    assert response.status == 404
    expect(page.get_by_role("heading", name=_fa("This card is no longer valid."))).to_be_visible()
    expect(page.get_by_text(card.staff.full_name)).to_have_count(0)
    no_horizontal_overflow(page)
    shot(page, "rate-invalid")
    context.close()


def test_the_desk_issues_codes_and_a_supervisor_reviews_a_burst(browser, live_server, login, card, shot):
    """GIVEN a unit with three employees, one with a code WHEN the desk clerk issues codes for the whole
    unit THEN every employee shows a code; AND GIVEN a burst of ratings WHEN the supervisor accepts one
    THEN it counts on the employee's page."""
    import datetime as dt

    from django.utils import timezone

    from apps.orgs import roles
    from tests.factories import rating_submit, staff_user

    unit = card.staff.unit
    StaffFactory(unit=unit, first_name="لیلا", last_name="کاظمی", post="متصدی پذیرش")
    clerk = staff_user(roles.DESK_CLERK, unit=unit, first_name="مینا", last_name="رستمی")
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="کامران", last_name="فرهادی")
    start = timezone.now() - dt.timedelta(minutes=30)
    rating_submit(card, score=3, now=start - dt.timedelta(days=1), comment="کمی معطل شدم.")
    for n in range(12):
        rating_submit(
            card, score=5, now=start + dt.timedelta(seconds=5 * n), comment="<b>عالی</b>" if n == 0 else ""
        )

    from tests.e2e.conftest import DESKTOP

    context = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, clerk.user)
    page.goto(f"{live_server.url}/feedback/qr/?unit={unit.pk}")
    page.get_by_role(
        "button", name=_fa("Issue codes for every active employee of %(name)s") % {"name": unit.name}
    ).click()
    expect(page.locator(".qr-table tbody tr")).to_have_count(4)
    expect(page.locator(".qr-table .badge.state-done")).to_have_count(4)
    shot(page, "rate-qr-list")
    context.close()

    context = browser.new_context(viewport=DESKTOP, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, supervisor.user)
    page.goto(f"{live_server.url}/feedback/ratings/held/")
    expect(page.locator(".rate-held tbody tr")).to_have_count(12)
    expect(page.get_by_text("<b>عالی</b>")).to_be_visible()  # shown as typed, not as markup
    shot(page, "rate-review")
    page.locator(".rate-held tbody tr").first.get_by_role("button", name=_fa("Accept")).click()
    expect(page.locator(".rate-held tbody tr")).to_have_count(11)
    page.goto(f"{live_server.url}/feedback/staff/{card.staff_id}/ratings/")
    expect(page.locator(".rate-stats li").first).to_contain_text("۴")  # (3 + 5) / 2
    shot(page, "rate-staff")
    context.close()
