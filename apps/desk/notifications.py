"""Telling the applicant about their request (SPEC §4 item 7): SMS always, email when one was given.

Each (request, event, event_key, channel) gets one Notification row, and a row that is SENT is never
sent again: that is what keeps a retried or twice-queued task from sending the same news twice.
Messages are written in Persian: the applicant's language is not recorded, and the official texts of
a government desk are Persian. SMS carry no national code (an SMS can be read by anyone holding the
phone); the tracking code alone opens nothing personal on the tracking page.
"""

import logging

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.jalali import format_date
from apps.core.messaging import outbox_row_deliver
from apps.core.text import to_persian_digits
from apps.desk.models import Notification, RequestEvent, RequestStage, ServiceRequest
from apps.desk.tracking import tracking_code_display

logger = logging.getLogger(__name__)

# Persian SMS are UCS-2: 70 characters a part, 67 when split. Long titles are cut so the news
# fits in two or three parts; the email carries the full text.
SMS_TITLE_CHARS = 40


class NotificationFailed(Exception):
    """At least one channel failed; the task retries, and rows already SENT are skipped then."""


def tracking_url(code: str) -> str:
    return f"{settings.SITE_URL}/track/?code={code}"


def _short(text: str, limit: int = SMS_TITLE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _stage_title(request: ServiceRequest, event_key: str) -> str:
    # stage_complete keys the event "<stage id>:<finished at>", so each completion is its own news.
    stage_id = event_key.partition(":")[0]
    if not (stage_id.isascii() and stage_id.isdigit()):
        return ""
    stage = RequestStage.objects.filter(request=request, pk=int(stage_id)).only("title").first()
    return stage.title if stage else ""


def _document_asked(request: ServiceRequest, event_key: str) -> str:
    # stage_return keys the event by the "document_requested" history row, whose note says what to bring.
    if not (event_key.isascii() and event_key.isdigit()):
        return ""
    asked = RequestEvent.objects.filter(request=request, pk=int(event_key)).only("note").first()
    return asked.note if asked else ""


def _news(request: ServiceRequest, event: str, *, stage: str, cut, detail: str = "") -> tuple[list[str], str]:
    """(lines, subject) of one event; `cut` shortens titles (for SMS) or leaves them whole (email)."""
    code = to_persian_digits(tracking_code_display(request.tracking_code))
    promised = format_date(request.promised_at, persian_digits=True)
    Event = Notification.Event

    if event == Event.REGISTERED:
        # An online applicant is not asked to come: the response is ready on that date, on the tracking page.
        when = (
            f"تاریخ آماده شدن پاسخ: {promised}"
            if request.channel == ServiceRequest.Channel.ONLINE
            else f"تاریخ مراجعه برای دریافت پاسخ: {promised}"
        )
        lines = [f"درخواست «{cut(request.service.title)}» ثبت شد.", f"شماره پیگیری: {code}", when]
        subject = f"ثبت درخواست، شماره پیگیری {code}"
    elif event == Event.STAGE_DONE:
        what = f"مرحله «{cut(stage)}»" if stage else "یک مرحله"
        lines = [f"{what} از درخواست {code} انجام شد.", f"موعد پاسخ: {promised}"]
        subject = f"پیشرفت درخواست {code}"
    elif event == Event.ON_HOLD:
        # The body obtains inquiries itself (SPEC §3): say so, or applicants go and fetch them.
        lines = [
            f"رسیدگی به درخواست {code} تا رسیدن پاسخ استعلام متوقف شد.",
            "استعلام را دستگاه خود پیگیری می‌کند و اقدامی از سوی شما لازم نیست.",
        ]
        subject = f"توقف موقت رسیدگی به درخواست {code}"
    elif event == Event.RESPONSE_READY:
        how = (
            "پاسخ را از نشانی زیر دریافت کنید:"
            if request.channel == ServiceRequest.Channel.ONLINE
            else "برای دریافت، رسید خدمت را همراه داشته باشید."
        )
        lines = [f"پاسخ درخواست {code} آماده است.", how]
        subject = f"پاسخ درخواست {code} آماده است"
    elif event == Event.DELIVERED:
        lines = [
            f"پاسخ درخواست {code} تحویل شد. از شکیبایی شما سپاسگزاریم.",
            "لطفاً نظر خود را درباره این خدمت ثبت کنید:",
        ]
        subject = f"تحویل پاسخ درخواست {code}"
    elif event == Event.DOCUMENT_NEEDED:
        lines = [
            f"برای ادامه رسیدگی به درخواست {code}، این مدرک را همراه رسید به میز خدمت بیاورید:",
            # What to bring is what the applicant acts on: never cut, not even in the SMS.
            detail or "مدرکی که کارشناس خواسته است",
        ]
        subject = f"مدرک لازم برای درخواست {code}"
    elif event == Event.OVERDUE:
        lines = [
            f"پوزش می‌خواهیم؛ پاسخ درخواست {code} از موعد {promised} دیرتر آماده می‌شود.",
            "رسیدگی ادامه دارد و نتیجه را به شما اطلاع می‌دهیم.",
        ]
        subject = f"تأخیر در پاسخ درخواست {code}"
    else:
        raise ValueError(f"Unknown notification event: {event!r}")
    return lines, subject


def _compose(request: ServiceRequest, event: str, event_key: str) -> tuple[str, str, str]:
    """(SMS text, email subject, email text) for one event; only the SMS must stay short."""
    link = tracking_url(request.tracking_code)
    sender = request.service.body.name_fa
    stage = _stage_title(request, event_key) if event == Notification.Event.STAGE_DONE else ""
    detail = _document_asked(request, event_key) if event == Notification.Event.DOCUMENT_NEEDED else ""

    lines, _subject = _news(request, event, stage=stage, cut=_short, detail=detail)
    sms = "\n".join([*lines, link, _short(sender)])
    lines, subject = _news(request, event, stage=stage, cut=lambda title: title, detail=detail)
    email = "\n".join([f"{request.full_name} گرامی،", "", *lines, "", link, "", sender])
    return sms, subject, email


def notifications_prepare(*, request: ServiceRequest, event: str, event_key: str = "") -> list[Notification]:
    """The PENDING rows of one event, one per channel the applicant gave; created in the caller's
    transaction, so the news survives a broker that cannot take the task (the beat sweep sends it)."""
    if event not in Notification.Event.values:
        raise ValueError(f"Unknown notification event: {event!r}")
    recipients = {Notification.Channel.SMS: request.mobile, Notification.Channel.EMAIL: request.email}
    existing = {
        n.channel: n for n in Notification.objects.filter(request=request, event=event, event_key=event_key)
    }
    rows, composed = [], None
    for channel, recipient in recipients.items():
        row = existing.get(channel)
        if row is None:
            if not recipient:
                continue
            if composed is None:
                composed = _compose(request, event, event_key)
            sms, subject, email = composed
            # The email row keeps its subject as the first paragraph of `body`: one column, one log.
            body = sms if channel == Notification.Channel.SMS else f"{subject}\n\n{email}"
            # get_or_create, not create: a twin task may have inserted the row since we looked.
            row, _ = Notification.objects.get_or_create(
                request=request,
                event=event,
                event_key=event_key,
                channel=channel,
                defaults={"recipient": recipient, "body": body},
            )
        rows.append(row)
    return rows


def request_event_notify(*, request_id: int, event: str, event_key: str = "") -> list[Notification]:
    """Send the applicant the news of one event by SMS (and email when given), at most once per
    channel; raises NotificationFailed when a channel failed, so the task retries."""
    if event not in Notification.Event.values:
        raise ValueError(f"Unknown notification event: {event!r}")
    request = ServiceRequest.objects.select_related("service__body").filter(pk=request_id).first()
    if request is None:
        logger.warning("Notification for request %s skipped: the request no longer exists.", request_id)
        return []

    rows = notifications_prepare(request=request, event=event, event_key=event_key)
    errors = []
    for row in rows:
        if row.state == Notification.State.SENT:
            continue
        _sent, error = outbox_row_deliver(Notification, row.pk)
        if error:
            errors.append(f"{row.channel}: {error}")
        row.refresh_from_db()
    if errors:
        raise NotificationFailed("; ".join(errors))
    return rows


def request_notifications(request: ServiceRequest) -> QuerySet[Notification]:
    """The messages sent (or tried) for one request, oldest first, for the log on the request page."""
    return Notification.objects.filter(request=request).order_by("created_at", "id")


# A message that failed this many times is left for a person to look at (wrong number, blocked line).
RESEND_MAX_ATTEMPTS = 12


def unsent_events(*, older_than_minutes: int = 5):
    """(request, event, key) of messages still pending or failed a while after they were due."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return (
        Notification.objects.filter(
            state__in=[Notification.State.PENDING, Notification.State.FAILED],
            created_at__lt=cutoff,
            attempts__lt=RESEND_MAX_ATTEMPTS,
        )
        .values_list("request_id", "event", "event_key")
        .distinct()
        .order_by("request_id")[:500]
    )
