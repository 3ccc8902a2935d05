"""GIVEN a province governor who publishes a weekly public meeting time WHEN a citizen on a 360 px phone
opens /meetings/, picks a free slot and books it with their national code THEN the confirmation shows the
slot in Jalali and an SMS confirms it; and WHEN, on the meeting's day, the governor's office records that
action is needed THEN a case is registered at the office's desk, its tracking code is shown, and the
applicant receives the case's SMS — and no citizen page scrolls sideways."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.cases.models import Case, MeetingBooking, MeetingSchedule
from apps.core import messaging
from apps.core.jalali import format_date
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from apps.orgs import roles
from apps.orgs.models import Body
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory, body_duty, staff_user
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000
MOBILE = "09123456789"
NATIONAL_CODE = "0499370899"
APPLICANT = "رضا حسینی"


@pytest.fixture
def schedule(db):
    unit = OrgUnitFactory(
        name="استانداری مازندران", body=BodyFactory(kind=Body.Kind.GOVERNORATE, name_fa="استانداری مازندران")
    )
    body_duty(unit.body, "رسیدگی به امور عمرانی روستاها")
    governor = StaffFactory(unit=unit, first_name="محمد", last_name="کریمی", post="استاندار مازندران")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # Not Thursday or Friday, the days off of some provinces, so the coming weeks have slots.
    weekday = next(
        d.weekday() for d in (tomorrow + dt.timedelta(days=n) for n in range(7)) if d.weekday() not in (3, 4)
    )
    return MeetingSchedule.objects.create(
        official=governor,
        unit=unit,
        weekday=weekday,
        start=dt.time(9),
        end=dt.time(11),
        slot_minutes=20,
        place="ساری، استانداری، سالن ملاقات مردمی",
    )


def _sent_code() -> str:
    texts = [m.text for m in messaging.outbox if m.mobile == MOBILE]
    assert texts, "no SMS reached the mobile"
    return re.search(r"#([0-9]{6})\b", texts[-1]).group(1)


def test_citizen_books_a_meeting_and_the_office_opens_a_case(
    page, live_server, schedule, login, shot, no_horizontal_overflow, axe_check
):
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(PHONE)

    # The citizen finds the published time and opens it.
    page.goto(f"{live_server.url}/meetings/")
    expect(page.get_by_role("heading", name=_fa("Public meetings"))).to_be_visible()
    no_horizontal_overflow(page)
    shot(page, "meetings-01-list-360")
    axe_check(page)
    page.get_by_role("link", name="محمد کریمی").click()
    expect(page.get_by_role("heading", name=_fa("Book a public meeting"))).to_be_visible()

    # A typo in the national code: a Persian message, and nothing typed is lost.
    first = page.locator("input[name=slot]").first
    slot_value = first.get_attribute("value")
    first.check()
    page.fill("#id_national_code", "0499370898")
    page.fill("#id_full_name", APPLICANT)
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_subject", "آب‌رسانی به روستای کلاریجان")
    page.get_by_role("button", name=_fa("Book this time")).click()
    expect(page.get_by_text(_fa("This national code is not valid; check the digits."))).to_be_visible()
    expect(page.locator("#id_full_name")).to_have_value(APPLICANT)
    expect(page.locator(f'input[name=slot][value="{slot_value}"]')).to_be_checked()
    no_horizontal_overflow(page)
    shot(page, "meetings-02-book-error-360")
    axe_check(page)

    # The mobile is confirmed with the e-desk's one-time code; what was typed waits meanwhile.
    page.fill("#id_national_code", NATIONAL_CODE)
    page.get_by_role("button", name=_fa("Book this time")).click()
    expect(page.get_by_role("heading", name=_fa("Enter the code"))).to_be_visible()
    no_horizontal_overflow(page)
    page.fill("#otp", _sent_code())
    page.get_by_role("button", name=_fa("Confirm and book")).click()
    expect(page.get_by_role("heading", name=_fa("Your meeting is booked"))).to_be_visible()
    booking = MeetingBooking.objects.get()
    assert booking.starts_at == dt.datetime.fromisoformat(slot_value)
    expect(page.locator("dd.slot")).to_contain_text(format_date(booking.starts_at, persian_digits=True))
    no_horizontal_overflow(page)
    shot(page, "meetings-03-booked-360")
    axe_check(page)
    sms = [m.text for m in messaging.outbox if m.mobile == MOBILE and "دیدار عمومی" in m.text]
    assert len(sms) == 1
    assert "محمد کریمی" in sms[0]

    # The meeting's day comes (the slot is moved to this morning rather than waiting a week).
    MeetingBooking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    clerk = staff_user(roles.PEOPLE_CLERK, unit=schedule.unit)
    page.set_viewport_size(DESKTOP)
    login(page, clerk.user, next_path="/meetings/office/")
    row = page.locator("tr", has_text=APPLICANT)
    expect(row).to_be_visible()
    shot(page, "meetings-04-office")
    row.get_by_role("link").first.click()
    page.get_by_label(_fa("Held")).check()
    page.fill("#id_outcome", "دستور بررسی آب‌رسانی به روستا به اداره آب و فاضلاب داده شد.")
    page.get_by_label(_fa("Action is needed: open a case")).check()
    page.get_by_role("button", name=_fa("Record"), exact=True).click()
    expect(page.get_by_text(_fa("The outcome was recorded."))).to_be_visible()

    case = Case.objects.get()
    assert (case.channel, case.unit, case.national_code, case.registered_by) == (
        "desk",
        schedule.unit,
        NATIONAL_CODE,
        clerk,
    )
    expect(page.locator("dd.case-code")).to_have_text(
        to_persian_digits(tracking_code_display(case.tracking_code))
    )
    shot(page, "meetings-05-outcome-case")
    case_sms = [
        m.text
        for m in messaging.outbox
        if m.mobile == MOBILE
        and case.tracking_code[:3] in m.text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    ]
    assert case_sms, "the applicant was not told the case's tracking code"
