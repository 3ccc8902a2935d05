"""Public meetings (charter 8-3, 8-4): free slots, booking rules, cancellation, the office's outcome that
opens a case, and the public and office pages (scoped, cheap, Persian errors that keep what was typed)."""

import contextlib
import datetime as dt
import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.cases import meetings
from apps.cases.models import Case, CaseEvent, CaseNotification, MeetingBooking, MeetingSchedule
from apps.core import messaging
from apps.core.models import Holiday
from apps.core.text import to_persian_digits
from apps.desk.views.public import SESSION_MOBILE
from apps.orgs import roles
from apps.orgs.models import Body
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory, body_duty, staff_user
from tests.i18n import fa

TEHRAN = meetings.TEHRAN
# A Saturday at 10:00 in a year without seeded holidays: the slots are known to the minute.
NOW = dt.datetime(2030, 1, 5, 10, 0, tzinfo=TEHRAN)
NC, OTHER_NC = "0499370899", "0013542419"
MOBILE = "09121234567"


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(NOW.date() + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=TEHRAN)


@contextlib.contextmanager
def frozen_at(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


@pytest.fixture
def office_unit(db):
    return OrgUnitFactory(
        name="استانداری مازندران", body=BodyFactory(kind=Body.Kind.GOVERNORATE, name_fa="استانداری مازندران")
    )


@pytest.fixture
def schedule(office_unit):
    governor = StaffFactory(unit=office_unit, first_name="محمد", last_name="کریمی", post="استاندار")
    return MeetingSchedule.objects.create(
        official=governor,
        unit=office_unit,
        weekday=5,
        start=dt.time(8),
        end=dt.time(12),
        slot_minutes=30,
        place="ساری، استانداری، سالن ملاقات عمومی",
    )


@pytest.fixture
def office_clerk(office_unit):
    return staff_user(roles.PEOPLE_CLERK, unit=office_unit)


def book(schedule, starts_at, **overrides):
    fields = {
        "national_code": NC,
        "full_name": "سارا محمدی",
        "mobile": MOBILE,
        "subject": "مشکل آب روستا",
        "channel": "online",
        **overrides,
    }
    return meetings.meeting_book(schedule=schedule, starts_at=starts_at, **fields)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- slots --------------------------------------------------------------------------------------


def test_slots_are_the_weekday_in_slot_steps_in_tehran_time_and_never_past(schedule, frozen):
    slots = meetings.meeting_slots(schedule)
    # Today (a Saturday) only after 10:00, then three whole Saturdays of 8 half-hour slots.
    assert slots[:3] == [at(0, 10, 30), at(0, 11), at(0, 11, 30)]
    assert len(slots) == 3 + 3 * 8
    assert all(s.astimezone(TEHRAN).weekday() == 5 for s in slots)
    assert slots[3] == at(7, 8)
    assert slots[-1] == at(21, 11, 30)  # the last slot ends at 12:00, not after


def test_a_holiday_of_the_units_province_is_skipped_and_another_provinces_is_not(schedule, frozen):
    Holiday.objects.create(
        date=NOW.date() + dt.timedelta(days=7),
        title="تعطیلی استانی",
        kind="special",
        province=schedule.unit.province,
    )
    Holiday.objects.create(
        date=NOW.date() + dt.timedelta(days=14),
        title="تعطیلی جای دیگر",
        kind="special",
        province=OrgUnitFactory().province,
    )
    meetings.worktime.invalidate()
    days = {s.astimezone(TEHRAN).date() for s in meetings.meeting_slots(schedule)}
    assert NOW.date() + dt.timedelta(days=7) not in days
    assert NOW.date() + dt.timedelta(days=14) in days


def test_a_booked_slot_is_no_longer_free(schedule, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(schedule, at(7, 9))
    assert at(7, 9) not in meetings.meeting_slots(schedule)


# --- booking ------------------------------------------------------------------------------------


def test_booking_is_kept_normalised_and_confirmed_by_sms(
    schedule, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(schedule, at(7, 9), national_code="۰۴۹۹۳۷۰۸۹۹", mobile="+989121234567")
    booking.refresh_from_db()
    assert (booking.national_code, booking.mobile, booking.state) == (NC, MOBILE, "booked")
    sms = [m for m in messaging.outbox if m.mobile == MOBILE]
    assert len(sms) == 1
    assert "محمد کریمی" in sms[0].text
    assert "ساعت ۰۹:۰۰" in sms[0].text
    assert NC not in sms[0].text


def test_a_failed_sms_does_not_undo_the_booking(
    schedule, frozen, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.cases.test_meetings.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(schedule, at(7, 9))
    assert MeetingBooking.objects.filter(pk=booking.pk, state="booked").exists()


class RefusingBackend:
    def send(self, *, mobile, text):
        raise messaging.DeliveryError("gateway down")


def test_a_slot_booked_by_someone_else_is_refused(schedule, frozen):
    book(schedule, at(7, 9))
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, at(7, 9), national_code=OTHER_NC)
    assert errors_of(excinfo) == {"starts_at": [fa("This time is not free; choose one of the free times.")]}


def test_a_race_for_one_slot_is_caught_by_the_database_with_a_clear_message(schedule, frozen, monkeypatch):
    book(schedule, at(7, 9))
    # The second request saw the slot free just before the first one saved it.
    monkeypatch.setattr(meetings, "meeting_slots", lambda schedule, now=None: [at(7, 9)])
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, at(7, 9), national_code=OTHER_NC)
    assert errors_of(excinfo) == {"starts_at": [fa("Someone booked this time a moment ago; choose another.")]}
    assert MeetingBooking.objects.count() == 1


def test_one_booking_per_national_code_and_week_at_one_meeting_time(schedule, frozen):
    book(schedule, at(7, 9))
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, at(7, 10))
    assert errors_of(excinfo) == {
        "national_code": [fa("This national code already has a meeting booked in that week.")]
    }
    assert book(schedule, at(14, 10)).pk  # another week is fine


def test_a_cancelled_booking_frees_the_slot_and_the_week(schedule, frozen):
    first = book(schedule, at(7, 9))
    meetings.meeting_cancel(booking=first, by=None)
    assert at(7, 9) in meetings.meeting_slots(schedule)
    assert book(schedule, at(7, 9)).pk != first.pk
    with pytest.raises(ValidationError):
        meetings.meeting_cancel(booking=first, by=None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_code", "0499370898", "This national code is not valid; check the digits."),
        ("national_code", "12345", "A national code has 10 digits."),
        ("mobile", "0212345678", "Enter a mobile number such as 09121234567."),
        ("subject", "ب" * 301, "Ensure this value has at most %(limit)d characters (it has %(length)d)."),
        ("subject", "   ", "Write in a line what you want to talk about."),
        ("full_name", "", "Write your full name."),
    ],
)
def test_bad_input_is_refused_with_a_persian_message(schedule, frozen, field, value, message):
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, at(7, 9), **{field: value})
    expected = fa(message)
    if "%(limit)d" in message:
        expected = expected % {"limit": 300, "length": 301}
    assert errors_of(excinfo) == {field: [expected]}
    assert not MeetingBooking.objects.exists()


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (at(0, 9), "This time has already passed; choose a later one."),
        (at(7, 9, 15), "This time is not free; choose one of the free times."),  # not on the 30-minute grid
        (at(8, 9), "This time is not free; choose one of the free times."),  # a Sunday
        (at(35, 9), "This time is not free; choose one of the free times."),  # beyond four weeks
    ],
)
def test_a_time_that_is_not_a_free_slot_is_refused(schedule, frozen, starts_at, message):
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, starts_at)
    assert errors_of(excinfo) == {"starts_at": [fa(message)]}


def test_an_unpublished_meeting_time_takes_no_booking(schedule, frozen):
    schedule.active = False
    schedule.save()
    with pytest.raises(ValidationError) as excinfo:
        book(schedule, at(7, 9))
    assert "starts_at" in errors_of(excinfo)


# --- outcome ------------------------------------------------------------------------------------


def test_outcome_with_action_opens_a_case_with_code_and_timeline(
    schedule, office_clerk, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    duty = body_duty(schedule.unit.body, "رسیدگی به امور روستاها")
    booking = book(schedule, at(0, 11))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(0, 11, 20))  # the meeting was held
    with django_capture_on_commit_callbacks(execute=True):
        booking = meetings.meeting_record(
            booking=booking,
            by=office_clerk,
            state="held",
            outcome="دستور پیگیری لوله‌کشی آب روستا صادر شد.",
            needs_action=True,
        )
    booking.refresh_from_db()
    case = booking.case
    assert booking.state == "held"
    assert case is not None
    assert len(case.tracking_code) == 11
    assert (case.type, case.channel, case.level, case.unit, case.registered_by) == (
        "request",
        "desk",
        "province",
        schedule.unit,
        office_clerk,
    )
    assert (case.national_code, case.mobile, case.subject, case.duty) == (NC, MOBILE, "مشکل آب روستا", duty)
    assert "دستور پیگیری لوله‌کشی" in case.description
    assert "محمد کریمی" in case.description
    assert list(case.events.values_list("kind", flat=True)) == [CaseEvent.Kind.REGISTERED]
    assert CaseNotification.objects.filter(case=case, channel="sms").exists()
    assert any(to_persian_digits(case.tracking_code[:3]) in m.text for m in messaging.outbox)


def test_outcome_without_action_opens_no_case(schedule, frozen):
    booking = book(schedule, at(0, 11))
    meetings.meeting_record(booking=booking, by=None, state="no_show", outcome="")
    booking.refresh_from_db()
    assert booking.state == "no_show"
    assert booking.case is None
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"state": "held", "outcome": ""}, "outcome"),
        ({"state": "held", "outcome": "x" * 2001}, "outcome"),
        ({"state": "no_show", "outcome": "", "needs_action": True}, "needs_action"),
        ({"state": "cancelled", "outcome": "x"}, "state"),
        ({"state": "held", "outcome": "x", "needs_action": True, "case_type": "complaint"}, "case_type"),
    ],
)
def test_a_bad_outcome_is_refused(schedule, frozen, kwargs, field):
    booking = book(schedule, at(0, 11))
    with pytest.raises(ValidationError) as excinfo:
        meetings.meeting_record(booking=booking, by=None, **kwargs)
    assert field in errors_of(excinfo)
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_an_outcome_is_not_recorded_before_the_meetings_day_nor_twice(schedule, frozen):
    later = book(schedule, at(7, 9))
    with pytest.raises(ValidationError):
        meetings.meeting_record(booking=later, by=None, state="held", outcome="x")
    today = book(schedule, at(0, 11))
    meetings.meeting_record(booking=today, by=None, state="held", outcome="x")
    with pytest.raises(ValidationError):
        meetings.meeting_record(booking=today, by=None, state="no_show", outcome="")


def test_a_case_needs_a_duty_of_the_body_and_says_so(schedule, frozen):
    booking = book(schedule, at(0, 11))
    with pytest.raises(ValidationError) as excinfo:
        meetings.meeting_record(booking=booking, by=None, state="held", outcome="x", needs_action=True)
    assert "duty" in errors_of(excinfo)
    assert not Case.objects.exists()


# --- public pages -------------------------------------------------------------------------------


def test_public_list_shows_published_times_without_login_and_cheaply(
    client, schedule, django_assert_max_num_queries
):
    for n in range(5):
        unit = OrgUnitFactory()
        MeetingSchedule.objects.create(
            official=StaffFactory(unit=unit, post="مدیرکل"),
            unit=unit,
            weekday=n,
            start=dt.time(9),
            end=dt.time(11),
            place=f"سالن {n}",
        )
    hidden = MeetingSchedule.objects.create(
        official=StaffFactory(unit=schedule.unit),
        unit=schedule.unit,
        weekday=1,
        start=dt.time(9),
        end=dt.time(10),
        place="پنهان",
        active=False,
    )
    with django_assert_max_num_queries(3):
        page = client.get("/meetings/")
    assert page.status_code == 200
    assert len(page.context["schedules"]) == 6
    text = page.content.decode()
    assert "محمد کریمی" in text
    assert "استاندار" in text
    assert "شنبه" in text
    assert "۰۸:۰۰" in text
    assert hidden.place not in text


@pytest.fixture
def confirmed(client):
    """The citizen confirmed their mobile with a one-time code in this session (e-desk or meetings)."""
    session = client.session
    session[SESSION_MOBILE] = (MOBILE, NOW.timestamp())
    session.save()
    return client


def test_citizen_books_and_sees_the_confirmation_in_jalali(client, schedule, frozen, confirmed):
    page = client.get(reverse("meetings:book", args=[schedule.pk]))
    assert page.status_code == 200
    assert sum(len(times) for _day, times in page.context["slots"]) == 27
    page = client.post(
        reverse("meetings:book", args=[schedule.pk]),
        {
            "slot": at(7, 9).isoformat(),
            "national_code": NC,
            "full_name": "سارا محمدی",
            "mobile": MOBILE,
            "subject": "مشکل آب روستا",
        },
    )
    booking = MeetingBooking.objects.get()
    assert page.status_code == 302
    assert page.url == reverse("meetings:booked", args=[booking.pk])
    page = client.get(page.url)
    assert "۱۴۰۸/۱۰/۲۳" in page.content.decode()  # 2030-01-12 in the Jalali calendar
    assert "۰۹:۰۰" in page.content.decode()


def test_booking_online_confirms_the_mobile_first_and_keeps_what_was_typed(client, schedule, frozen):
    url = reverse("meetings:book", args=[schedule.pk])
    typed = {
        "slot": at(7, 9).isoformat(),
        "national_code": NC,
        "full_name": "سارا محمدی",
        "mobile": MOBILE,
        "subject": "مشکل آب روستا",
    }
    page = client.post(url, typed)
    assert page.status_code == 200
    assert page.templates[0].name == "cases/meetings/meeting_code.html"
    assert not MeetingBooking.objects.exists()
    sent = [m.text for m in messaging.outbox if m.mobile == MOBILE]
    code = re.search(r"#([0-9]{6})\b", sent[-1]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post(url, {"step": "verify", "otp": wrong})
    assert fa("The code is wrong. You can try %(left)s more times.") % {"left": "۴"} in page.content.decode()
    # Going back to the form shows what was typed.
    page = client.get(url)
    assert "مشکل آب روستا" in page.content.decode()
    assert page.context["chosen"] == at(7, 9).isoformat()
    page = client.post(url, {"step": "verify", "otp": code})
    booking = MeetingBooking.objects.get()
    assert page.url == reverse("meetings:booked", args=[booking.pk])
    assert (booking.mobile, booking.channel, booking.starts_at) == (MOBILE, "online", at(7, 9))
    # Within the confirmation's 30 minutes the next booking needs no new code.
    page = client.post(url, {**typed, "slot": at(14, 9).isoformat()})
    assert page.status_code == 302
    assert MeetingBooking.objects.count() == 2


def test_the_confirmation_is_only_for_the_browser_that_booked(client, schedule, frozen):
    booking = book(schedule, at(7, 9))
    assert client.get(reverse("meetings:booked", args=[booking.pk])).status_code == 404


def test_a_bad_booking_form_keeps_what_was_typed_and_says_why_in_persian(client, schedule, frozen):
    page = client.post(
        reverse("meetings:book", args=[schedule.pk]),
        {
            "slot": at(7, 9).isoformat(),
            "national_code": "0499370898",
            "full_name": "سارا محمدی",
            "mobile": MOBILE,
            "subject": "مشکل آب روستا",
        },
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert not MeetingBooking.objects.exists()
    assert fa("This national code is not valid; check the digits.") in text
    assert "سارا محمدی" in text
    assert "مشکل آب روستا" in text
    assert re.search(f'value="{re.escape(at(7, 9).isoformat())}"[^>]* checked', text)


def test_a_taken_slot_is_refused_on_the_page_beside_the_times(client, schedule, frozen, confirmed):
    book(schedule, at(7, 9))
    page = client.post(
        reverse("meetings:book", args=[schedule.pk]),
        {
            "slot": at(7, 9).isoformat(),
            "national_code": OTHER_NC,
            "full_name": "رضا",
            "mobile": MOBILE,
            "subject": "x",
        },
    )
    assert fa("This time is not free; choose one of the free times.") in page.content.decode()
    assert MeetingBooking.objects.count() == 1


def test_booking_posts_are_rate_limited(client, schedule, frozen, settings):
    settings.MEETINGS_BOOK_RATE = "2/h"
    url = reverse("meetings:book", args=[schedule.pk])
    codes = [client.post(url, {"slot": "x"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- the office ---------------------------------------------------------------------------------


def national_code(n: int) -> str:
    """A valid national code built from `n` (the check digit computed as apps.core.validators does)."""
    head = f"{n:09d}"
    remainder = sum(int(head[i]) * (10 - i) for i in range(9)) % 11
    return head + str(remainder if remainder < 2 else 11 - remainder)


def test_office_sees_its_units_schedules_and_days_bookings_cheaply(
    client, schedule, office_clerk, frozen, django_assert_max_num_queries
):
    # GIVEN two bookings on the office's next meeting day, and one at another office
    body_duty(schedule.unit.body)
    for n in range(2):
        book(schedule, at(7, 8 + n // 2, 30 * (n % 2)), national_code=national_code(123456 + n))
    elsewhere_unit = OrgUnitFactory()
    elsewhere = MeetingSchedule.objects.create(
        official=StaffFactory(unit=elsewhere_unit),
        unit=elsewhere_unit,
        weekday=5,
        start=dt.time(8),
        end=dt.time(12),
        place="جای دیگر",
    )
    book(elsewhere, at(7, 11), national_code="0067749828")
    client.force_login(office_clerk.user)
    day = meetings.format_date(at(7, 0).date())
    # WHEN the office opens that day, and again after six more bookings and two cases opened
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("meetings:office"), {"day": day})
    for n in range(2, 8):
        book(schedule, at(7, 8 + n // 2, 30 * (n % 2)), national_code=national_code(123456 + n))
    with frozen_at(at(7, 12)):
        for booking in MeetingBooking.objects.filter(schedule=schedule)[:2]:
            meetings.meeting_record(booking=booking, by=None, state="held", outcome="x", needs_action=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("meetings:office"), {"day": day})
    # THEN the same number of queries, and only the office's own rows
    assert [s.pk for s in page.context["schedules"]] == [schedule.pk]
    assert len(page.context["bookings"]) == 8
    assert "جای دیگر" not in page.content.decode()
    other = elsewhere.bookings.get()
    assert client.get(reverse("meetings:booking", args=[other.pk])).status_code == 404
    assert client.get(reverse("meetings:schedule_edit", args=[elsewhere.pk])).status_code == 404


def test_a_citizen_cannot_open_the_office(client, schedule):
    page = client.get(reverse("meetings:office"))
    assert page.status_code == 302
    assert "/accounts/login/" in page.url


def test_office_creates_a_meeting_time(client, office_unit, office_clerk):
    official = StaffFactory(unit=office_unit, post="معاون استاندار")
    client.force_login(office_clerk.user)
    page = client.post(
        reverse("meetings:schedule_new"),
        {
            "official": official.pk,
            "unit": office_unit.pk,
            "weekday": 0,
            "start": "09:00",
            "end": "08:00",
            "slot_minutes": 20,
            "place": "سالن ۲",
            "active": "on",
        },
    )
    assert page.status_code == 200
    assert not MeetingSchedule.objects.exists()
    assert fa("The meeting time must end after it starts.") in page.content.decode()
    page = client.post(
        reverse("meetings:schedule_new"),
        {
            "official": official.pk,
            "unit": office_unit.pk,
            "weekday": 0,
            "start": "09:00",
            "end": "11:00",
            "slot_minutes": 20,
            "place": "سالن ۲",
            "active": "on",
        },
    )
    assert page.status_code == 302
    assert MeetingSchedule.objects.get().end == dt.time(11)


def test_office_books_a_walk_in_at_the_desk(client, schedule, office_clerk, frozen):
    client.force_login(office_clerk.user)
    page = client.post(
        reverse("meetings:desk_book", args=[schedule.pk]),
        {
            "slot": at(7, 9).isoformat(),
            "national_code": NC,
            "full_name": "سارا محمدی",
            "mobile": MOBILE,
            "subject": "مشکل آب روستا",
        },
    )
    assert page.status_code == 302
    assert MeetingBooking.objects.get().channel == "desk"


def test_office_records_the_outcome_and_sees_the_case_code(client, schedule, office_clerk, frozen):
    body_duty(schedule.unit.body)
    booking = book(schedule, at(0, 11))
    client.force_login(office_clerk.user)
    page = client.post(
        reverse("meetings:booking", args=[booking.pk]),
        {
            "state": "held",
            "outcome": "پیگیری شود",
            "needs_action": "on",
            "case_type": "request",
        },
        follow=True,
    )
    booking.refresh_from_db()
    assert booking.case is not None
    assert to_persian_digits(booking.case.tracking_code[:3]) in page.content.decode()


def test_a_confirmation_the_gateway_refused_is_sent_once_by_the_sweep(
    schedule, frozen, settings, django_capture_on_commit_callbacks
):
    from apps.cases.models import MeetingNotification
    from apps.cases.tasks import case_notifications_resend

    settings.SMS_BACKEND = "tests.cases.test_meetings.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(schedule, at(7, 9))
    row = MeetingNotification.objects.get(booking=booking)
    assert (row.state, row.attempts) == ("failed", 1)
    settings.SMS_BACKEND = "apps.core.messaging.ConsoleSMSBackend"
    # The sweep takes messages left for a while (NOTIFICATIONS_RESEND_AFTER_MINUTES).
    MeetingNotification.objects.update(created_at=row.created_at - dt.timedelta(minutes=10))
    messaging.outbox.clear()
    assert case_notifications_resend() == 1
    assert case_notifications_resend() == 0
    row.refresh_from_db()
    assert row.state == "sent"
    assert [m.mobile for m in messaging.outbox] == [MOBILE]
