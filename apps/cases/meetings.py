"""Public meetings (charter 8-3, 8-4): a head of a body or a governor publishes one weekly time for
face-to-face meetings with people; citizens book a slot online (/meetings/) or at the desk with their
national code; the official's office records the outcome, which becomes a case when action is needed.

Services (writes) and selectors (reads) live together here because the feature is small; every list a
member of staff sees is scoped by apps.core.scoping.scope_queryset on the schedule's unit.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from apps.cases.models import Case, CaseType, MeetingBooking, MeetingNotification, MeetingSchedule
from apps.core import limits, worktime
from apps.core.jalali import format_date
from apps.core.jobs import enqueue_on_commit
from apps.core.scoping import scope_queryset
from apps.core.text import localize_digits, to_persian_digits
from apps.core.validators import normalize_mobile, normalize_national_code
from apps.orgs import roles
from apps.orgs.models import Body, BodyDuty, OrgUnit, Staff

logger = logging.getLogger(__name__)

TEHRAN = worktime.TEHRAN
WEEKS_AHEAD = 4
# The Iranian week starts on Saturday; forms and pages list the days in that order (Monday = 0).
WEEK_ORDER = (5, 6, 0, 1, 2, 3, 4)
# Who works in an official's office: they see the schedules of their unit and the units below it.
OFFICE_ROLES = (
    roles.PEOPLE_CLERK,
    roles.COMPLAINT_HANDLER,
    roles.BODY_SUPERVISOR,
    roles.DESK_CLERK,
    roles.UNIT_OFFICER,
    roles.CENTRE_REVIEWER,
    roles.ADMINISTRATOR,
)
SENDER = "میز ارتباطات مردمی"
# The types a meeting's case may take: the others need details a meeting does not give (a complaint
# names whom it is about, a report a place, thanks an employee); the office registers those at the desk.
CASE_TYPES = (CaseType.REQUEST, CaseType.CONSULTATION, CaseType.IDEA)


def weekday_choices() -> list[tuple[int, str]]:
    """(number, Persian name) from Saturday to Friday."""
    return [(day, WEEKDAYS[day]) for day in WEEK_ORDER]


def with_weekday_names(schedules) -> list[MeetingSchedule]:
    """The schedules, each with `weekday_name` for the page (the model keeps only the number)."""
    schedules = list(schedules)
    for schedule in schedules:
        schedule.weekday_name = WEEKDAYS[schedule.weekday]
    return schedules


# --- selectors ----------------------------------------------------------------------------------


def meeting_schedules_published() -> QuerySet[MeetingSchedule]:
    """The published weekly meeting times, for the public page (no login, no personal data)."""
    return (
        MeetingSchedule.objects.filter(active=True, official__active=True)
        .select_related("official", "unit", "unit__body", "unit__province")
        .order_by("unit__path", "weekday", "start")
    )


def meeting_schedule_list(*, user) -> QuerySet[MeetingSchedule]:
    """The meeting times of the user's unit and the units below it (every one for national roles)."""
    qs = MeetingSchedule.objects.select_related("official", "unit", "unit__body")
    return scope_queryset(qs, user, national_roles=roles.CASE_NATIONAL_ROLES).order_by(
        "unit__path", "weekday", "start"
    )


def meeting_booking_list(*, user, day: dt.date | None = None) -> QuerySet[MeetingBooking]:
    """Bookings at the meeting times in the user's scope; one Tehran day when `day` is given."""
    qs = MeetingBooking.objects.select_related("schedule", "schedule__official", "schedule__unit", "case")
    qs = scope_queryset(qs, user, unit_field="schedule__unit", national_roles=roles.CASE_NATIONAL_ROLES)
    if day is not None:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
    return qs.order_by("starts_at", "pk")


def meeting_units(*, user) -> QuerySet[OrgUnit]:
    """The units whose meeting times the user may set."""
    return scope_queryset(
        OrgUnit.objects.select_related("body"),
        user,
        unit_field=None,
        national_roles=roles.CASE_NATIONAL_ROLES,
    )


def meeting_officials(*, user) -> QuerySet[Staff]:
    """The staff of those units who may hold public meetings (active)."""
    qs = Staff.objects.filter(active=True).select_related("unit")
    return scope_queryset(qs, user, national_roles=roles.CASE_NATIONAL_ROLES).order_by(
        "last_name", "first_name"
    )


def meeting_duties(schedule: MeetingSchedule) -> QuerySet[BodyDuty]:
    """The duties a case opened at this office may name: its body's and its parent bodies'."""
    bodies, body = [], schedule.unit.body
    while body is not None and body.pk not in bodies:
        bodies.append(body.pk)
        body = body.parent
    return (
        BodyDuty.objects.filter(body_id__in=bodies).select_related("body").order_by("body__name_fa", "title")
    )


def meeting_slots(
    schedule: MeetingSchedule, *, weeks: int = WEEKS_AHEAD, now: dt.datetime | None = None
) -> list[dt.datetime]:
    """The free slots of the coming `weeks`: the schedule's weekday, start…end in slot_minutes steps,
    Tehran time; a holiday of the unit's province and a time already past or booked are left out."""
    now = now or timezone.now()
    today = now.astimezone(TEHRAN).date()
    province = schedule.unit.province
    step = dt.timedelta(minutes=schedule.slot_minutes)
    taken = set(
        schedule.bookings.exclude(state=MeetingBooking.State.CANCELLED)
        .filter(starts_at__gte=now)
        .values_list("starts_at", flat=True)
    )
    first = today + dt.timedelta(days=(schedule.weekday - today.weekday()) % 7)
    slots = []
    for week in range(weeks):
        day = first + dt.timedelta(weeks=week)
        if not worktime.is_working_day(day, province=province):
            continue
        at = dt.datetime.combine(day, schedule.start, tzinfo=TEHRAN)
        end = dt.datetime.combine(day, schedule.end, tzinfo=TEHRAN)
        while at + step <= end:
            if at > now and at not in taken:
                slots.append(at)
            at += step
    return slots


def day_label(day: dt.date) -> str:
    """«دوشنبه ۱۴۰۵/۰۹/۱۶»: the weekday and the Jalali date."""
    return f"{WEEKDAYS[day.weekday()]} {format_date(day)}"


def slot_label(at: dt.datetime) -> str:
    """«شنبه ۱۴۰۵/۰۹/۲۲ ساعت ۰۹:۳۰»: the weekday, the Jalali date and the Tehran time of a slot."""
    local = at.astimezone(TEHRAN)
    return _("%(weekday)s %(date)s at %(time)s") % {
        "weekday": WEEKDAYS[local.weekday()],
        "date": format_date(local.date()),
        "time": localize_digits(f"{local:%H:%M}"),
    }


# --- services -----------------------------------------------------------------------------------


def meeting_schedule_save(*, schedule: MeetingSchedule, by: Staff | None) -> MeetingSchedule:
    """Create or change a weekly meeting time after checking it; the official works at its unit or below."""
    schedule.place = (schedule.place or "").strip()
    schedule.full_clean()
    if schedule.official.unit_id != schedule.unit_id and not schedule.official.unit.path.startswith(
        schedule.unit.path
    ):
        raise ValidationError({"official": _("The official must work at this unit or a unit below it.")})
    schedule.save()
    logger.info("Meeting time %s saved by %s", schedule.pk, by)
    return schedule


def _field(errors: dict, name: str, normalize, value) -> str:
    try:
        return normalize(value)
    except ValidationError as error:
        errors[name] = error.messages
        return ""


def _text(errors: dict, name: str, value: str, limit: int, missing: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        errors[name] = [missing]
    elif len(value) > limit:
        errors[name] = [
            _("Ensure this value has at most %(limit)d characters (it has %(length)d).")
            % {
                "limit": limit,
                "length": len(value),
            }
        ]
    return value


@transaction.atomic
def meeting_book(
    *,
    schedule: MeetingSchedule,
    starts_at: dt.datetime,
    national_code: str,
    full_name: str,
    mobile: str,
    subject: str,
    channel: str = Case.Channel.ONLINE,
    by: Staff | None = None,
) -> MeetingBooking:
    """Book one free slot for a citizen (online, or at the desk for a walk-in); one live booking per
    national code and week at this meeting time. The applicant gets an SMS after commit."""
    # Bookings of one meeting time are taken one after another (PostgreSQL row lock), so the
    # one-per-week rule cannot be beaten by two quick clicks; the slot itself is held by the
    # database constraint even without the lock.
    schedule = (
        MeetingSchedule.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__province", "official")
        .get(pk=schedule.pk)
    )
    errors: dict[str, list[str]] = {}
    code = _field(errors, "national_code", normalize_national_code, national_code)
    mobile = _field(errors, "mobile", normalize_mobile, mobile)
    full_name = _text(errors, "full_name", full_name, 200, _("Write your full name."))
    subject = _text(errors, "subject", subject, 300, _("Write in a line what you want to talk about."))
    now = timezone.now()
    if not schedule.active:
        errors["starts_at"] = [_("This meeting time is no longer published.")]
    elif starts_at is None:
        errors["starts_at"] = [_("Choose a time.")]
    elif starts_at <= now:
        errors["starts_at"] = [_("This time has already passed; choose a later one.")]
    elif starts_at not in meeting_slots(schedule, now=now):
        errors["starts_at"] = [_("This time is not free; choose one of the free times.")]
    if code and "starts_at" not in errors:
        day = starts_at.astimezone(TEHRAN).date()
        week_start = dt.datetime.combine(
            day - dt.timedelta(days=(day.weekday() - 5) % 7), dt.time.min, tzinfo=TEHRAN
        )
        if (
            schedule.bookings.filter(
                national_code=code,
                starts_at__gte=week_start,
                starts_at__lt=week_start + dt.timedelta(weeks=1),
            )
            .exclude(state=MeetingBooking.State.CANCELLED)
            .exists()
        ):
            errors["national_code"] = [_("This national code already has a meeting booked in that week.")]
    if errors:
        raise ValidationError(errors)
    booking = MeetingBooking(
        schedule=schedule,
        starts_at=starts_at,
        national_code=code,
        full_name=full_name,
        mobile=mobile,
        subject=subject,
        channel=channel,
        booked_at=now,
    )
    try:
        with transaction.atomic():
            booking.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"starts_at": [_("Someone booked this time a moment ago; choose another.")]}
        ) from exc
    from apps.cases.tasks import meeting_booked_notify

    # The message is written with the booking; sending it is queued after commit, and what a broker
    # or gateway outage leaves behind the beat sweep sends (apps.cases.tasks.case_notifications_resend).
    MeetingNotification.objects.get_or_create(
        booking=booking, channel=MeetingNotification.Channel.SMS,
        defaults={"recipient": booking.mobile, "body": meeting_booked_text(booking)},
    )
    enqueue_on_commit(meeting_booked_notify, booking_id=booking.pk)
    logger.info("Meeting booking %s (%s) by %s", booking.pk, channel, by)
    return booking


def meeting_booked_text(booking: MeetingBooking) -> str:
    """The SMS that confirms a booking: who, when, where; no national code."""
    schedule = booking.schedule
    local = booking.starts_at.astimezone(TEHRAN)
    when = to_persian_digits(f"{format_date(local.date(), persian_digits=True)} ساعت {local:%H:%M}")
    weekday = {0: "دوشنبه", 1: "سه‌شنبه", 2: "چهارشنبه", 3: "پنجشنبه", 4: "جمعه", 5: "شنبه", 6: "یکشنبه"}[
        local.weekday()
    ]
    return "\n".join(
        [
            f"{booking.full_name} گرامی، دیدار عمومی شما ثبت شد.",
            f"با: {schedule.official.full_name} ({schedule.official.post})",
            f"زمان: {weekday} {when}",
            f"مکان: {schedule.place}",
            f"شماره نوبت: {to_persian_digits(str(booking.pk))}",
            SENDER,
        ]
    )


def meeting_booked_notify(*, booking_id: int) -> bool:
    """Send the booking's SMS if it has not left yet; False (logged) when the gateway refuses — the
    booking stands anyway and the beat sweep tries again."""
    from apps.core.messaging import outbox_row_deliver

    sent_any = False
    for row in MeetingNotification.objects.filter(booking_id=booking_id).exclude(state=MeetingNotification.State.SENT):
        if row.booking.state == MeetingBooking.State.CANCELLED:
            continue
        sent, error = outbox_row_deliver(MeetingNotification, row.pk)
        if error:
            logger.warning("Meeting booking %s: the confirmation SMS was not sent: %s", booking_id, error)
        sent_any = sent_any or sent
    return sent_any


def meeting_bookings_unsent(*, older_than_minutes: int = 5) -> list[int]:
    """Bookings whose confirmation is still pending or failed a while after it was due."""
    from apps.cases.notifications import RESEND_MAX_ATTEMPTS

    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    return list(
        MeetingNotification.objects.filter(created_at__lt=cutoff, attempts__lt=RESEND_MAX_ATTEMPTS)
        .exclude(state=MeetingNotification.State.SENT)
        .values_list("booking_id", flat=True)
        .distinct()
        .order_by("booking_id")
    )


@transaction.atomic
def meeting_cancel(*, booking: MeetingBooking, by: Staff | None) -> MeetingBooking:
    """Cancel a booking that has not been held; its slot becomes free again."""
    booking = MeetingBooking.objects.select_for_update().get(pk=booking.pk)
    if booking.state != MeetingBooking.State.BOOKED:
        raise ValidationError(_("Only a booked meeting can be cancelled."))
    booking.state = MeetingBooking.State.CANCELLED
    booking.save(update_fields=["state"])
    logger.info("Meeting booking %s cancelled by %s", booking.pk, by)
    return booking


def _case_level(unit: OrgUnit) -> str:
    while unit.level == OrgUnit.Level.DEPARTMENT and unit.parent_id:
        unit = unit.parent
    if unit.level == OrgUnit.Level.COUNTY:
        return Case.Level.COUNTY
    if unit.level == OrgUnit.Level.PROVINCE:
        return Case.Level.PROVINCE
    return Case.Level.NATIONAL if unit.body.kind == Body.Kind.CENTRE else Case.Level.BODY


@transaction.atomic
def meeting_record(
    *,
    booking: MeetingBooking,
    by: Staff | None,
    state: str,
    outcome: str,
    needs_action: bool = False,
    case_type: str = CaseType.REQUEST,
    duty: BodyDuty | None = None,
) -> MeetingBooking:
    """Record what came of a meeting (held or no-show). When action is needed a case is registered at
    the office's desk (channel desk, under one of the body's duties) and linked to the booking; the
    applicant hears of it through the case's own SMS."""
    from apps.cases.services import case_register
    from apps.desk.services import Applicant

    booking = (
        MeetingBooking.objects.select_for_update(of=("self",))
        .select_related("schedule", "schedule__unit", "schedule__unit__body", "schedule__official")
        .get(pk=booking.pk)
    )
    schedule = booking.schedule
    if booking.state != MeetingBooking.State.BOOKED:
        raise ValidationError(
            _("The outcome of this meeting has already been recorded, or it was cancelled.")
        )
    if booking.starts_at.astimezone(TEHRAN).date() > timezone.now().astimezone(TEHRAN).date():
        raise ValidationError(_("A meeting's outcome is recorded on or after its day."))
    errors: dict[str, list[str]] = {}
    if state not in (MeetingBooking.State.HELD, MeetingBooking.State.NO_SHOW):
        errors["state"] = [_("Say whether the meeting was held or the applicant did not come.")]
    outcome = (outcome or "").strip()
    if len(outcome) > limits.NOTE:
        errors["outcome"] = [
            _("Ensure this value has at most %(limit)d characters (it has %(length)d).")
            % {
                "limit": limits.NOTE,
                "length": len(outcome),
            }
        ]
    if state == MeetingBooking.State.HELD and not outcome:
        errors["outcome"] = [_("Write what was said and decided at the meeting.")]
    if needs_action and state != MeetingBooking.State.HELD:
        errors["needs_action"] = [_("A case is opened only from a meeting that was held.")]
    if needs_action and case_type not in CASE_TYPES:
        errors["case_type"] = [_("Choose the type of case.")]
    if errors:
        raise ValidationError(errors)
    booking.state, booking.outcome = state, outcome
    if needs_action:
        local = booking.starts_at.astimezone(TEHRAN)
        description = _("Public meeting with %(official)s (%(post)s) on %(date)s: %(outcome)s") % {
            "official": schedule.official.full_name,
            "post": schedule.official.post,
            "date": f"{format_date(local.date())} {local:%H:%M}",
            "outcome": outcome,
        }
        if duty is None and case_type not in (CaseType.FEELINGS, CaseType.THANKS, CaseType.IDEA):
            duty = meeting_duties(schedule).first()
        booking.case = case_register(
            case_type=case_type,
            level=_case_level(schedule.unit),
            unit=schedule.unit,
            channel=Case.Channel.DESK,
            by=by,
            duty=duty,
            applicant=Applicant(
                national_code=booking.national_code, full_name=booking.full_name, mobile=booking.mobile
            ),
            subject=booking.subject[:200],
            description=description[: limits.TEXT],
        )
    booking.save(update_fields=["state", "outcome", "case"])
    return booking
