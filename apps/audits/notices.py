"""Messages of an audit round to the people who act next (SPEC §6, issue 11 item 7).

The body's desk supervisors hear when a round opens, when their form is returned, before its
self-declaration is due and when it is past due; the evaluators hear when a form is submitted (or
reopened), before the evaluation is due and when it is past due. Everything goes through the one
sender (apps.core.messaging): SMS to the staff member's mobile, email to their login's address.

Each (form, staff, event, event_key, channel) has one AuditNotice row, and a SENT row is never sent
again: a task queued twice, a beat run repeated or a retry after a gateway failure sends nothing
twice. Texts are Persian, as every official text of the portal.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from apps.audits.models import AuditForm, AuditNotice
from apps.core import worktime
from apps.core.jalali import format_date
from apps.core.messaging import outbox_row_deliver
from apps.core.text import to_persian_digits
from apps.orgs import roles
from apps.orgs.models import OrgUnit, Staff

logger = logging.getLogger(__name__)

Event = AuditNotice.Event
BODY_EVENTS = frozenset(
    {Event.ROUND_OPENED, Event.RETURNED, Event.DECLARATION_SOON, Event.DECLARATION_OVERDUE}
)
# A message that failed this many times is left for a person to look at (wrong number, blocked line).
MAX_ATTEMPTS = 12


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def body_recipients(form: AuditForm) -> list[Staff]:
    """The active desk supervisors whose scope holds the form's unit (its own and the units above)."""
    return list(
        Staff.objects.filter(
            active=True,
            user__is_active=True,
            user__groups__name=roles.BODY_SUPERVISOR,
            unit__path__in=_ancestor_paths(form.unit.path),
        )
        .select_related("user")
        .distinct()
        .order_by("pk")
    )


def evaluator_recipients(form: AuditForm) -> list[Staff]:
    """The form's evaluator once one took it; before that every auditor who may evaluate it."""
    if form.evaluator_id and form.evaluator.active:
        return [Staff.objects.select_related("user").get(pk=form.evaluator_id)]
    qs = Staff.objects.filter(active=True, user__is_active=True)
    if form.unit.level == OrgUnit.Level.HQ:
        qs = qs.filter(user__groups__name=roles.NATIONAL_AUDITOR)
    elif form.unit.province_id is None:
        return []
    else:
        qs = qs.filter(user__groups__name=roles.PROVINCIAL_AUDITOR, unit__province_id=form.unit.province_id)
    return list(qs.select_related("user").distinct().order_by("pk"))


def _date(value: dt.date | None) -> str:
    return format_date(value, persian_digits=True) if value else "—"


def _text(form: AuditForm, event: str, note: str = "") -> tuple[str, str]:
    """(subject, text) of one event about one form."""
    with translation.override("fa"):
        round_label = to_persian_digits(form.round.label)
    who = f"{form.unit.name} ({form.body.name_fa})"
    link = f"{settings.SITE_URL}{reverse('audits:form_detail', args=[form.pk])}"
    declaration, evaluation = _date(form.declaration_due), _date(form.evaluation_due)
    texts = {
        Event.ROUND_OPENED: (
            f"آغاز دور ممیزی میز خدمت {round_label}",
            f"دور ممیزی میز خدمت {round_label} آغاز شد. خوداظهاری {who} را تا {declaration} تکمیل و ارسال کنید.",
        ),
        Event.DECLARATION_SOON: (
            f"یادآوری مهلت خوداظهاری ممیزی {round_label}",
            f"یادآوری: مهلت ارسال خوداظهاری ممیزی {round_label} برای {who} تا {declaration} است.",
        ),
        Event.DECLARATION_OVERDUE: (
            f"گذشت مهلت خوداظهاری ممیزی {round_label}",
            f"مهلت خوداظهاری ممیزی {round_label} برای {who} در {declaration} به پایان رسید و فرم هنوز ارسال نشده است.",
        ),
        Event.RETURNED: (
            f"بازگشت فرم ممیزی {round_label} برای اصلاح",
            f"ارزیاب فرم ممیزی {round_label} {who} را برای اصلاح بازگرداند. مهلت ارسال دوباره: {declaration}.",
        ),
        Event.SUBMITTED: (
            f"ارسال خوداظهاری ممیزی {round_label}",
            f"{who} خوداظهاری ممیزی {round_label} را برای ارزیابی فرستاد. مهلت ارزیابی: {evaluation}.",
        ),
        Event.EVALUATION_SOON: (
            f"یادآوری مهلت ارزیابی ممیزی {round_label}",
            f"یادآوری: مهلت ارزیابی فرم ممیزی {round_label} {who} تا {evaluation} است.",
        ),
        Event.EVALUATION_OVERDUE: (
            f"گذشت مهلت ارزیابی ممیزی {round_label}",
            f"مهلت ارزیابی فرم ممیزی {round_label} {who} در {evaluation} به پایان رسید و فرم هنوز تأیید نشده است.",
        ),
        Event.REOPENED: (
            f"بازگشایی فرم ممیزی {round_label}",
            f"فرم تأییدشده ممیزی {round_label} {who} برای بازنگری بازگشایی شد.",
        ),
    }
    subject, text = texts[event]
    if note:
        text = f"{text}\n{note}"
    return subject, f"{text}\n{link}"


def audit_notices_prepare(
    *, form: AuditForm, event: str, event_key: str = "", note: str = ""
) -> list[AuditNotice]:
    """The rows of one event, one per recipient and channel (SMS to the mobile, email to the login's
    address); rows that exist already are returned as they are."""
    if event not in Event.values:
        raise ValueError(f"Unknown audit notice: {event!r}")
    people = body_recipients(form) if event in BODY_EVENTS else evaluator_recipients(form)
    subject, text = _text(form, event, note)
    rows = []
    for staff in people:
        email = staff.user.email if staff.user_id else ""
        for channel, recipient, body in (
            (AuditNotice.Channel.SMS, staff.mobile, text),
            (AuditNotice.Channel.EMAIL, email, f"{subject}\n\n{text}"),
        ):
            if not recipient:
                continue
            row, _created = AuditNotice.objects.get_or_create(
                form=form,
                staff=staff,
                event=event,
                event_key=event_key,
                channel=channel,
                defaults={"recipient": recipient, "body": body},
            )
            rows.append(row)
    return rows


def audit_form_notify(*, form_id: int, event: str, event_key: str = "", note: str = "") -> int:
    """Tell the people concerned about one event of one form, at most once each; returns how many
    messages left now."""
    form = AuditForm.objects.select_related("round", "unit", "body", "evaluator").filter(pk=form_id).first()
    if form is None:
        return 0
    rows = audit_notices_prepare(form=form, event=event, event_key=event_key, note=note)
    return sum(outbox_row_deliver(AuditNotice, row.pk)[0] for row in rows if row.state != AuditNotice.State.SENT)


def _reminder_start(due: dt.date, province) -> dt.date:
    return (
        worktime.calendar_for(province)
        .add_working_days(
            dt.datetime.combine(due, dt.time(12), tzinfo=worktime.TEHRAN), -settings.AUDIT_REMINDER_DAYS
        )
        .date()
    )


def audit_deadlines_notify(*, today: dt.date | None = None) -> int:
    """The daily run: a reminder for each waiting form whose due date is within AUDIT_REMINDER_DAYS
    working days, a notice for each form past due (both keyed by the due date, so once per due date),
    and another try for messages that failed. Returns how many messages left."""
    today = today or timezone.localdate()
    sent = 0
    waiting = (
        AuditForm.objects.filter(
            Q(state__in=AuditForm.BODY_EDITABLE, declaration_due__isnull=False)
            | Q(state__in=AuditForm.EVALUATOR_EDITABLE, evaluation_due__isnull=False)
        )
        .select_related("unit__province")
        .only("pk", "state", "declaration_due", "evaluation_due", "unit__province")
        .order_by("pk")
    )
    for form in waiting.iterator(chunk_size=500):
        body_side = form.state in AuditForm.BODY_EDITABLE
        due = form.declaration_due if body_side else form.evaluation_due
        if today > due:
            event = Event.DECLARATION_OVERDUE if body_side else Event.EVALUATION_OVERDUE
        elif today >= _reminder_start(due, form.unit.province):
            event = Event.DECLARATION_SOON if body_side else Event.EVALUATION_SOON
        else:
            continue
        if AuditNotice.objects.filter(form=form, event=event, event_key=due.isoformat()).exists():
            continue  # told already (sent or being retried below)
        sent += audit_form_notify(form_id=form.pk, event=event, event_key=due.isoformat())
    retry = AuditNotice.objects.filter(
        state__in=[AuditNotice.State.PENDING, AuditNotice.State.FAILED], attempts__lt=MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    for pk in list(retry[:500]):
        sent += outbox_row_deliver(AuditNotice, pk)[0]
    return sent
