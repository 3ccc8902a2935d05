"""A desk supervisor's satisfaction chores in Chromium (issue #10 items 15 and 17).

GIVEN a directorate where one employee's card drew a burst of twelve ratings in a minute, a colleague
is leaving, and applicants wrote suggestions in their questionnaires
WHEN the supervisor opens the held ratings, accepts the whole burst with one button, revokes the
leaver's card from the QR list and opens the satisfaction dashboard
THEN the burst counts, the leaver's card no longer opens a rating page, and the dashboard lists the
suggestions of the directorate (not those of another province), at desktop and phone width.
Screenshots: test-artifacts/feedback-review-*.png.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from apps.feedback import ratings, services
from apps.feedback.models import StaffQRCode, StaffRating
from apps.orgs import roles
from apps.orgs.models import Staff
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    BodyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    SurveyResponseFactory,
    rating_submit,
    registered_request,
    staff_user,
)
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 30_000


@pytest.fixture
def directorate(db):
    province = ProvinceFactory(code="IR-02", name_fa="مازندران")
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران")
    unit = OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=body, province=province)
    department = DepartmentFactory(name="اداره املاک و حقوقی", parent=unit)
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="مریم", last_name="صالحی")
    rated = StaffFactory(unit=department, first_name="علی", last_name="رضایی", post="کارشناس صدور پروانه")
    leaver = StaffFactory(unit=unit, first_name="حسین", last_name="نوری", post="کارشناس پذیرش")
    code = services.staff_qr_issue(staff=rated, by=supervisor)
    leaver_code = services.staff_qr_issue(staff=leaver, by=supervisor)
    start = timezone.now() - dt.timedelta(hours=2)
    for n in range(12):
        rating_submit(
            code,
            score=5 if n % 4 else 4,
            now=start + dt.timedelta(seconds=5 * n),
            comment="عالی" if n < 3 else "",
        )
    suggestions = [
        (unit, "ساعت کاری میز خدمت تا ساعت ۱۶ تمدید شود.", 2),
        (department, "برای سالمندان صندلی انتظار بیشتری بگذارید؛ در روز ۳ ساعت ایستادم.", 1),
    ]
    for where, text, days_ago in suggestions:
        SurveyResponseFactory(
            request=registered_request(unit=where, stages=1),
            submitted_at=timezone.now() - dt.timedelta(days=days_ago),
            suggestions=text,
        )
    elsewhere = OrgUnitFactory(province=ProvinceFactory(code="IR-01", name_fa="گیلان"))
    SurveyResponseFactory(
        request=registered_request(unit=elsewhere, stages=1),
        submitted_at=timezone.now(),
        suggestions="پارکینگ ندارد",
    )
    return {
        "unit": unit,
        "supervisor": supervisor,
        "rated": rated,
        "leaver": leaver,
        "leaver_code": leaver_code,
    }


def test_supervisor_accepts_a_burst_revokes_a_leavers_card_and_reads_suggestions(
    page, live_server, login, shot, no_horizontal_overflow, directorate
):
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    login(page, directorate["supervisor"].user)
    rated = directorate["rated"]

    # Held ratings: one burst of twelve, decided with one button.
    page.goto(f"{live_server.url}{reverse('feedback:rating_review')}")
    burst = page.locator(".rate-burst")
    expect(burst).to_have_count(1)
    expect(burst.locator("h2")).to_have_text(rated.full_name)
    expect(burst).to_contain_text("۱۲ ارزیابی از")
    expect(burst.locator(".rate-held tbody tr")).to_have_count(12)
    no_horizontal_overflow(page)
    shot(page, "feedback-review-burst-1280")
    page.set_viewport_size(PHONE)
    no_horizontal_overflow(page)
    shot(page, "feedback-review-burst-360")
    page.set_viewport_size(DESKTOP)
    burst.get_by_role("button", name="پذیرش هر ۱۲ ارزیابی").click()
    expect(page.locator(".messages")).to_contain_text("۱۲ ارزیابی پذیرفته شد")
    expect(page.locator(".rate-burst")).to_have_count(0)
    summary = ratings.staff_rating_summary(staff_qs=Staff.objects.filter(pk=rated.pk))
    assert (summary.count, summary.held) == (12, 0)
    assert not StaffRating.objects.filter(flagged=True).exists()

    # The leaver's card: revoked from the QR list, no new code issued.
    leaver = directorate["leaver"]
    page.goto(f"{live_server.url}{reverse('feedback:qr_list')}")
    row = page.locator("tr", has_text=leaver.full_name)
    expect(row.get_by_role("link", name=_fa("Door sign (A4)"))).to_be_visible()
    no_horizontal_overflow(page)
    shot(page, "feedback-review-qr-list-1280")
    row.get_by_role("link", name=_fa("Revoke")).click()
    expect(page.locator("h1")).to_have_text(_fa("Revoke a card"))
    shot(page, "feedback-review-revoke-1280")
    page.get_by_role("button", name=_fa("Revoke the card")).click()
    page.wait_for_url(f"**{reverse('feedback:qr_list')}")
    row = page.locator("tr", has_text=leaver.full_name)
    expect(row).to_contain_text(_fa("No code"))
    assert not StaffQRCode.objects.filter(staff=leaver, revoked_at__isnull=True).exists()
    card = page.context.new_page()
    assert card.goto(f"{live_server.url}/q/{directorate['leaver_code'].token}").status == 404
    card.close()

    # Suggestions on the dashboard of the directorate: its own two, newest first.
    page.goto(f"{live_server.url}{reverse('feedback:dashboard')}")
    section = page.locator("#suggestions")
    expect(section.locator("h2")).to_have_text(_fa("Citizens' suggestions"))
    items = section.locator(".fd-suggestion")
    expect(items).to_have_count(2)
    expect(items.first).to_have_text("برای سالمندان صندلی انتظار بیشتری بگذارید؛ در روز ۳ ساعت ایستادم.")
    expect(items.last).to_have_text("ساعت کاری میز خدمت تا ساعت ۱۶ تمدید شود.")
    expect(section).not_to_contain_text("پارکینگ ندارد")
    section.scroll_into_view_if_needed()
    no_horizontal_overflow(page)
    shot(page, "feedback-review-suggestions-1280")
    page.set_viewport_size(PHONE)
    no_horizontal_overflow(page)
    shot(page, "feedback-review-suggestions-360")
