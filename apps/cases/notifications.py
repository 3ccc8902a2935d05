"""Telling the applicant about their case: one SMS (and an email when given) per public line of the
timeline, at most once (CaseNotification is unique per event and channel). The rows are written with the
event, the sending is queued after commit; a broker that cannot take the task leaves them PENDING for the
beat sweep (apps.cases.tasks.case_notifications_resend). Texts are Persian, like the desk's, and carry no
national code."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.cases.models import Case, CaseEvent, CaseNotification
from apps.core.jalali import format_date
from apps.core.jobs import enqueue_on_commit
from apps.core.messaging import outbox_row_deliver
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display

logger = logging.getLogger(__name__)

SMS_NOTE_CHARS = 60
SENDER = "میز ارتباطات مردمی"


class CaseNotificationFailed(Exception):
    """At least one channel failed; the task retries, and rows already SENT are skipped then."""


def case_track_url(case: Case) -> str:
    return f"{settings.SITE_URL}/track/?code={case.tracking_code}"


def case_rate_url(case: Case) -> str:
    return f"{settings.SITE_URL}/cases/rate/{case.link_token}/"


def _short(text: str, limit: int = SMS_NOTE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _news(event: CaseEvent) -> list[str]:
    case = event.case
    kind = CaseEvent.Kind
    type_name = case.get_type_display()
    code = to_persian_digits(tracking_code_display(case.tracking_code))
    if event.kind == kind.REGISTERED:
        due = format_date(timezone.localtime(case.due_at).date(), persian_digits=True)
        return [f"{type_name} شما با کد پیگیری {code} ثبت شد.", f"مهلت پاسخ: {due}"]
    if event.kind in (kind.REFERRED, kind.OBJECTED):
        to = event.to_unit.name if event.to_unit_id else ""
        head = "اعتراض شما ثبت شد و" if event.kind == kind.OBJECTED else ""
        return [f"{type_name} {code}:", f"{head} برای رسیدگی به «{_short(to, 50)}» ارجاع شد.".strip()]
    if event.kind == kind.ACTION:
        return [f"{type_name} {code}:", f"اقدام: {_short(event.note)}"]
    if event.kind == kind.CLOSED:
        return [
            f"پاسخ {type_name} {code} صادر شد.",
            f"نظر شما درباره رسیدگی: {case_rate_url(case)}",
        ]
    if event.kind in (kind.IDEA_REVIEW, kind.IDEA_RESULT):
        return [f"ایده {code}:", _short(event.note, 120)]
    return [f"{type_name} {code}: {event.get_kind_display()}"]


def _compose(event: CaseEvent) -> tuple[str, str, str]:
    case = event.case
    lines = _news(event)
    link = case_track_url(case)
    sms = "\n".join([*lines, link, SENDER])
    subject = lines[0]
    email = "\n".join([f"{case.full_name} گرامی،", "", *lines, "", link, "", SENDER])
    return sms, subject, email


def case_event_prepare(event: CaseEvent) -> list[CaseNotification]:
    """The PENDING rows of one public event, one per channel the applicant gave; in the caller's
    transaction."""
    if not event.public:
        return []
    case = event.case
    recipients = {CaseNotification.Channel.SMS: case.mobile, CaseNotification.Channel.EMAIL: case.email}
    rows = []
    composed = None
    for channel, recipient in recipients.items():
        if not recipient:
            continue
        if composed is None:
            composed = _compose(event)
        sms, subject, email = composed
        body = sms if channel == CaseNotification.Channel.SMS else f"{subject}\n\n{email}"
        row, _ = CaseNotification.objects.get_or_create(
            event=event, channel=channel, defaults={"case": case, "recipient": recipient, "body": body}
        )
        rows.append(row)
    return rows


def case_event_announce(event: CaseEvent) -> None:
    """Write the event's messages now and queue their sending after commit."""
    from apps.cases.tasks import notify_case_event

    if case_event_prepare(event):
        enqueue_on_commit(notify_case_event, event_id=event.pk)


def case_event_notify(*, event_id: int) -> list[CaseNotification]:
    """Send the messages of one event that are not sent yet; raises CaseNotificationFailed when a
    channel failed, so the task retries."""
    event = CaseEvent.objects.select_related("case", "to_unit").filter(pk=event_id).first()
    if event is None:
        logger.warning("Case notification for event %s skipped: the event no longer exists.", event_id)
        return []
    rows = case_event_prepare(event)
    errors = []
    for row in rows:
        if row.state == CaseNotification.State.SENT:
            continue
        _sent, error = outbox_row_deliver(CaseNotification, row.pk)
        if error:
            errors.append(f"{row.channel}: {error}")
        row.refresh_from_db()
    if errors:
        raise CaseNotificationFailed("; ".join(errors))
    return rows


RESEND_MAX_ATTEMPTS = 12


def case_events_unsent(*, older_than_minutes: int = 5) -> list[int]:
    """Events whose messages are still pending or failed a while after they were due."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        CaseNotification.objects.filter(created_at__lt=cutoff, attempts__lt=RESEND_MAX_ATTEMPTS)
        .filter(Q(state=CaseNotification.State.PENDING) | Q(state=CaseNotification.State.FAILED))
        .values_list("event_id", flat=True)
        .distinct()
        .order_by("event_id")
    )
