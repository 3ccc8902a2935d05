"""Public meetings: the citizen's page (/meetings/, no login) and the official's office (/meetings/office/).
Views parse input and call apps.cases.meetings."""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from apps.cases import meetings
from apps.cases.models import CaseType, MeetingBooking, MeetingSchedule
from apps.core import jalali, limits
from apps.core.access import role_required
from apps.core.forms import MobileField, NationalCodeField, PortalForm, PortalModelForm
from apps.core.messaging import DeliveryError
from apps.core.text import localize_digits

# The e-desk's confirmed mobile (same session key and lifetime) and its messages for a typed code.
from apps.desk.views.public import EDESK_SESSION_SECONDS, OTP_CODE_MESSAGES, SESSION_MOBILE

SESSION_BOOKED = "meetings_booked"
SESSION_DRAFT = "meetings_draft"


def _book_rate(group, request) -> str:
    return settings.MEETINGS_BOOK_RATE


def _staff(request: HttpRequest):
    return getattr(request.user, "staff", None)


# --- forms --------------------------------------------------------------------------------------


class BookingForm(PortalForm):
    """A citizen's (or the desk's) booking of one slot; the slot is checked by the service."""

    slot = forms.CharField(
        label=gettext_lazy("Time of the meeting"),
        max_length=40,
        error_messages={"required": gettext_lazy("Choose a time.")},
    )
    national_code = NationalCodeField(label=gettext_lazy("National code"))
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    mobile = MobileField(label=gettext_lazy("Mobile"))
    subject = forms.CharField(
        label=gettext_lazy("What you want to talk about"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )

    def clean_slot(self) -> dt.datetime:
        try:
            value = dt.datetime.fromisoformat(self.cleaned_data["slot"])
        except ValueError as exc:
            raise ValidationError(_("Choose one of the free times.")) from exc
        if timezone.is_naive(value):
            raise ValidationError(_("Choose one of the free times."))
        return value


class ScheduleForm(PortalModelForm):
    weekday = forms.TypedChoiceField(label=gettext_lazy("weekday"), coerce=int, choices=())

    class Meta:
        model = MeetingSchedule
        fields = ["official", "unit", "weekday", "start", "end", "slot_minutes", "place", "active"]
        widgets = {
            "start": forms.TimeInput(format="%H:%M", attrs={"type": "time", "dir": "ltr"}),
            "end": forms.TimeInput(format="%H:%M", attrs={"type": "time", "dir": "ltr"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekday"].choices = meetings.weekday_choices()
        self.fields["unit"].queryset = meetings.meeting_units(user=user)
        self.fields["official"].queryset = meetings.meeting_officials(user=user)
        self.fields["official"].label_from_instance = lambda s: f"{s.full_name} — {s.post} ({s.unit.name})"


class OutcomeForm(PortalForm):
    state = forms.ChoiceField(
        label=gettext_lazy("The meeting"),
        widget=forms.RadioSelect,
        choices=[
            (MeetingBooking.State.HELD, gettext_lazy("Held")),
            (MeetingBooking.State.NO_SHOW, gettext_lazy("Did not come")),
        ],
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    needs_action = forms.BooleanField(label=gettext_lazy("Action is needed: open a case"), required=False)
    case_type = forms.ChoiceField(label=gettext_lazy("Case type"), choices=(), required=False)
    duty = forms.ModelChoiceField(label=gettext_lazy("Duty of the body"), queryset=None, required=False)

    def __init__(self, *args, schedule: MeetingSchedule, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = [(t.value, t.label) for t in meetings.CASE_TYPES]
        self.fields["duty"].queryset = meetings.meeting_duties(schedule)


def _service_errors(form: forms.Form, error: ValidationError, *, rename: dict | None = None) -> None:
    """Put a service's errors beside the fields they name (or at the top of the form)."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        name = rename.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _slots(schedule: MeetingSchedule) -> list[tuple[str, list[tuple[str, str]]]]:
    """The free slots grouped by day: [(«دوشنبه ۱۴۰۵/۰۹/۱۶», [(value, «۰۹:۲۰»), …]), …]."""
    days: dict[dt.date, list[tuple[str, str]]] = {}
    for at in meetings.meeting_slots(schedule):
        local = at.astimezone(meetings.TEHRAN)
        days.setdefault(local.date(), []).append((at.isoformat(), localize_digits(f"{local:%H:%M}")))
    return [(meetings.day_label(day), times) for day, times in days.items()]


# --- public pages -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The published weekly meeting times of heads of bodies and governors."""
    return render(
        request,
        "cases/meetings/meeting_list.html",
        {"schedules": meetings.with_weekday_names(meetings.meeting_schedules_published())},
    )


def _published(pk: int) -> MeetingSchedule:
    schedule = meetings.meeting_schedules_published().filter(pk=pk).first()
    if schedule is None:
        raise Http404
    return meetings.with_weekday_names([schedule])[0]


def _confirmed_mobile(request: HttpRequest) -> str:
    """The mobile confirmed by a one-time code in this session within the e-desk's 30 minutes: one
    confirmation serves both the e-desk and public meetings."""
    mobile, at = request.session.get(SESSION_MOBILE, ("", 0))
    if mobile and timezone.now().timestamp() - at < EDESK_SESSION_SECONDS:
        return mobile
    return ""


def _otp_limited(request: HttpRequest, step: str) -> bool:
    from django_ratelimit.core import is_ratelimited

    rate = settings.EDESK_SEND_RATE if step == "send" else settings.EDESK_VERIFY_RATE
    return is_ratelimited(
        request, group=f"meetings-{step}", key="ip", rate=rate, method=ratelimit.ALL, increment=True
    )


def _code_page(
    request: HttpRequest, schedule: MeetingSchedule, mobile: str, error: str = "", locked: bool = False
):
    return render(
        request,
        "cases/meetings/meeting_code.html",
        {"schedule": schedule, "mobile": mobile, "error": error, "locked": locked},
    )


def _send_code(request: HttpRequest, schedule: MeetingSchedule, form: BookingForm) -> HttpResponse | None:
    """Keep what was typed and send a one-time code to the mobile; the code page, or None (and the
    error on the form) when no code could be sent."""
    from apps.desk.otp import otp_send

    mobile = form.cleaned_data["mobile"]
    request.session[SESSION_DRAFT] = {
        "schedule": schedule.pk,
        "data": {name: form.data.get(name, "") for name in form.fields},
    }
    try:
        otp_send(mobile=mobile)
    except ValidationError as error:
        form.add_error("mobile", error)
        return None
    except DeliveryError:
        form.add_error(None, _("The code could not be sent just now. Please try again in a few minutes."))
        return None
    return _code_page(request, schedule, mobile)


@ratelimit(key="ip", rate=_book_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a free slot and book it with the national code, name, mobile and subject. The mobile is
    confirmed with the e-desk's one-time code first (once per 30 minutes of a session); what was typed
    waits in the session meanwhile and is never lost."""
    from apps.desk.otp import otp_attempts_left, otp_check

    schedule = _published(pk)
    step = request.POST.get("step", "book") if request.method == "POST" else ""
    draft = request.session.get(SESSION_DRAFT) or {}
    draft = draft.get("data") if draft.get("schedule") == schedule.pk else None
    if step in ("send", "verify"):
        if _otp_limited(request, step):
            return render(request, "errors/429.html", status=429)
        if draft is None:
            return redirect("meetings:book", pk=schedule.pk)
        form = BookingForm(draft)
        if not form.is_valid():
            return redirect("meetings:book", pk=schedule.pk)
        mobile = form.cleaned_data["mobile"]
        if step == "send":
            return _send_code(request, schedule, form) or _book_page(request, schedule, form)
        status = otp_check(mobile=mobile, code=request.POST.get("otp", "")[:20])
        if status != "ok":
            left = localize_digits(otp_attempts_left(mobile=mobile)) if status == "wrong" else ""
            return _code_page(
                request, schedule, mobile, OTP_CODE_MESSAGES[status] % {"left": left}, status != "wrong"
            )
        request.session[SESSION_MOBILE] = (mobile, timezone.now().timestamp())
    elif request.method == "POST":
        form = BookingForm(request.POST)
    else:
        form = BookingForm(initial=draft or {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _confirmed_mobile(request) != data["mobile"]:
            return _send_code(request, schedule, form) or _book_page(request, schedule, form)
        try:
            booking = meetings.meeting_book(
                schedule=schedule,
                starts_at=data["slot"],
                national_code=data["national_code"],
                full_name=data["full_name"],
                mobile=data["mobile"],
                subject=data["subject"],
                channel="online",
            )
        except ValidationError as error:
            _service_errors(form, error, rename={"starts_at": "slot"})
        else:
            request.session.pop(SESSION_DRAFT, None)
            request.session[SESSION_BOOKED] = [*request.session.get(SESSION_BOOKED, [])[-9:], booking.pk]
            return redirect("meetings:booked", pk=booking.pk)
    return _book_page(request, schedule, form)


def _book_page(request: HttpRequest, schedule: MeetingSchedule, form: BookingForm) -> HttpResponse:
    chosen = form.data.get("slot", "") if form.is_bound else form.initial.get("slot", "")
    return render(
        request,
        "cases/meetings/meeting_book.html",
        {"schedule": schedule, "form": form, "slots": _slots(schedule), "chosen": chosen},
    )


@require_http_methods(["GET", "HEAD"])
def meeting_booked(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation, shown only in the browser that booked."""
    if pk not in request.session.get(SESSION_BOOKED, []):
        raise Http404
    booking = (
        MeetingBooking.objects.select_related("schedule", "schedule__official", "schedule__unit")
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404
    return render(
        request,
        "cases/meetings/meeting_booked.html",
        {
            "booking": booking,
            "slot": meetings.slot_label(booking.starts_at),
        },
    )


# --- the official's office ----------------------------------------------------------------------


def _day(request: HttpRequest) -> tuple[dt.date, str]:
    raw = request.GET.get("day", "")[:20]
    if raw:
        try:
            return jalali.parse_date(raw), ""
        except ValueError:
            return timezone.localdate(), _("Write the day as a Jalali date such as 1405/09/15.")
    return timezone.localdate(), ""


@role_required(*meetings.OFFICE_ROLES)
def office(request: HttpRequest) -> HttpResponse:
    """The office's page: its meeting times and the bookings of one day (today unless chosen)."""
    day, day_error = _day(request)
    return render(
        request,
        "cases/meetings/office.html",
        {
            "schedules": meetings.with_weekday_names(meetings.meeting_schedule_list(user=request.user)),
            "bookings": list(meetings.meeting_booking_list(user=request.user, day=day)),
            "day": day,
            "day_text": jalali.format_date(day),
            "day_error": day_error,
        },
    )


def _schedule(request: HttpRequest, pk: int) -> MeetingSchedule:
    schedule = meetings.meeting_schedule_list(user=request.user).filter(pk=pk).first()
    if schedule is None:
        raise Http404
    return schedule


@role_required(*meetings.OFFICE_ROLES)
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a weekly meeting time."""
    schedule = _schedule(request, pk) if pk else MeetingSchedule()
    form = ScheduleForm(request.POST or None, instance=schedule, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.meeting_schedule_save(schedule=form.instance, by=_staff(request))
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The meeting time was saved."))
            return redirect("meetings:office")
    return render(request, "cases/meetings/schedule_form.html", {"form": form, "schedule": schedule})


@role_required(*meetings.OFFICE_ROLES)
def desk_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a slot for a walk-in at the desk (channel desk)."""
    schedule = _schedule(request, pk)
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meetings.meeting_book(
                schedule=schedule,
                starts_at=data["slot"],
                national_code=data["national_code"],
                full_name=data["full_name"],
                mobile=data["mobile"],
                subject=data["subject"],
                channel="desk",
                by=_staff(request),
            )
        except ValidationError as error:
            _service_errors(form, error, rename={"starts_at": "slot"})
        else:
            messages.success(request, _("The meeting was booked; the applicant gets an SMS."))
            return redirect("meetings:office")
    return render(
        request,
        "cases/meetings/desk_book.html",
        {
            "schedule": schedule,
            "form": form,
            "slots": _slots(schedule),
            "chosen": request.POST.get("slot", ""),
        },
    )


def _booking(request: HttpRequest, pk: int) -> MeetingBooking:
    booking = meetings.meeting_booking_list(user=request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


@role_required(*meetings.OFFICE_ROLES)
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One booking: record the outcome, and open a case when action is needed."""
    booking = _booking(request, pk)
    form = OutcomeForm(
        request.POST or None, schedule=booking.schedule, initial={"case_type": CaseType.REQUEST}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = meetings.meeting_record(
                booking=booking,
                by=_staff(request),
                state=data["state"],
                outcome=data["outcome"],
                needs_action=data["needs_action"],
                case_type=data["case_type"] or CaseType.REQUEST,
                duty=data["duty"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The outcome was recorded."))
            return redirect("meetings:booking", pk=booking.pk)
    return render(
        request,
        "cases/meetings/booking_detail.html",
        {
            "booking": booking,
            "form": form,
            "slot": meetings.slot_label(booking.starts_at),
        },
    )


@role_required(*meetings.OFFICE_ROLES)
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    try:
        meetings.meeting_cancel(booking=booking, by=_staff(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The booking was cancelled; its time is free again."))
    return redirect("meetings:booking", pk=booking.pk)
