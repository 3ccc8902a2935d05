"""The request workflow: every write to a service-desk request goes through these functions.

Transitions lock the request row (select_for_update) and check the version the actor saw, so two
officers acting on the same stage at once cannot both succeed: the second gets TransitionConflict.
Every transition appends a RequestEvent and queues the applicant's notification after commit.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import SubService
from apps.catalog.selectors import service_promised_at
from apps.core import worktime
from apps.core.jalali import to_jalali
from apps.core.jobs import enqueue_on_commit
from apps.desk import rollups
from apps.desk.models import (
    Notification,
    QueueTicket,
    RequestDocument,
    RequestEvent,
    RequestStage,
    Response,
    ServiceRequest,
    StageFile,
)
from apps.desk.tracking import tracking_code_new
from apps.orgs.models import Counter, OrgUnit, Staff

TRACKING_CODE_ATTEMPTS = 8


class TransitionConflict(Exception):
    """Someone else changed the request first; the message says what to do."""


@dataclass
class Applicant:
    national_code: str
    full_name: str
    mobile: str
    email: str = ""
    legal_id: str = ""
    legal_name: str = ""


@dataclass
class IntakeDocument:
    required_id: int | None
    title: str
    received: bool
    file: object | None = None
    content_type: str = ""


def _event(request: ServiceRequest, action: str, *, actor=None, stage=None, from_state="", to_state="", note="") -> None:
    RequestEvent.objects.create(
        request=request, stage=stage, action=action, actor=getattr(actor, "user", actor),
        from_state=from_state, to_state=to_state, note=note,
    )


def _webhook(event: str, request: ServiceRequest, **extra) -> None:
    # Integrating systems subscribed to this unit's events (apps.api.webhooks): rows written with the
    # transition, sent after commit.
    from apps.api.webhooks import emit_request

    emit_request(event, request, **extra)


def _notify(request: ServiceRequest, event: str, event_key: str = "") -> None:
    from apps.desk.notifications import notifications_prepare
    from apps.desk.tasks import notify_request_event

    # The rows are written with the transition, the sending is queued after commit: if the broker
    # cannot take the task (or the gateway fails in-process), the transition stands, the rows stay
    # PENDING or FAILED, and the beat sweep (notifications_resend_failed) sends them once.
    notifications_prepare(request=request, event=event, event_key=event_key)
    enqueue_on_commit(notify_request_event, request_id=request.pk, event=event, event_key=event_key)


def _activate(stage: RequestStage, *, now) -> None:
    province = stage.request.unit.province
    stage.state = RequestStage.State.ACTIVE
    stage.handed_over_at = now
    stage.due_at = worktime.add_duration(now, stage.duration, stage.duration_unit, province=province)
    stage.finished_at = None
    stage.finished_by = None
    stage.save(update_fields=["state", "handed_over_at", "due_at", "finished_at", "finished_by"])


def _bump(request: ServiceRequest, *fields: str) -> None:
    request.version += 1
    request.updated_at = timezone.now()
    request.save(update_fields=["version", "updated_at", *fields])


def _locked(request_id: int, expected_version: int | None) -> ServiceRequest:
    # of=("self",): PostgreSQL cannot lock the nullable side of an outer join (the province).
    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related("unit__province").get(pk=request_id)
    if expected_version is not None and request.version != expected_version:
        raise TransitionConflict(
            _("This request was changed by someone else while you were working on it. Reload the page and check again.")
        )
    return request


def missing_documents(documents: list[IntakeDocument]) -> list[str]:
    return [d.title for d in documents if not d.received]


@transaction.atomic
def service_request_register(
    *,
    service: SubService,
    unit: OrgUnit,
    applicant: Applicant,
    documents: list[IntakeDocument],
    channel: str = ServiceRequest.Channel.DESK,
    by: Staff | None = None,
    counter: Counter | None = None,
    incomplete_reason: str = "",
    ticket: QueueTicket | None = None,
) -> ServiceRequest:
    """Register a request: tracking code, promised date from table 1, stages copied, first stage
    in its unit's inbox, the queue ticket it was called with closed as served, applicant notified on commit."""
    missing = missing_documents(documents)
    if missing and not incomplete_reason.strip():
        raise ValidationError(
            _("Documents are missing: %(docs)s. Record why the request is registered incomplete, or collect them now.")
            % {"docs": "، ".join(missing)}
        )
    if service.service_type == "G2B" and not applicant.legal_id:
        raise ValidationError(_("A service to legal entities needs the entity's 11-digit national ID."))
    stages = list(service.stages.select_related("responsible_unit").order_by("order"))
    if not stages:
        raise ValidationError(_("This service has no workflow stages (table 1) yet; it cannot take requests."))

    now = timezone.now()
    promised = service_promised_at(service, start=now, province=unit.province)
    fields = {
        "service": service, "unit": unit, "counter": counter, "channel": channel,
        "national_code": applicant.national_code, "legal_id": applicant.legal_id,
        "legal_name": applicant.legal_name.strip(), "full_name": applicant.full_name, "queue_ticket": ticket,
        "mobile": applicant.mobile, "email": applicant.email, "incomplete_reason": incomplete_reason.strip() if missing else "",
        "registered_by": by, "received_at": now, "promised_at": promised, "first_stage_at": now, "updated_at": now,
        "status": ServiceRequest.Status.IN_PROGRESS,
    }
    for _attempt in range(TRACKING_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                request = ServiceRequest.objects.create(tracking_code=tracking_code_new(), **fields)
            break
        except IntegrityError:
            continue  # a collision of random codes: draw again
    else:
        raise RuntimeError("Could not draw a free tracking code.")

    for d in documents:
        # One by one (a handful per request) so that the storage writes each uploaded scan.
        RequestDocument.objects.create(request=request, required_id=d.required_id, title=d.title,
                                       received=d.received, file=d.file or "", content_type=d.content_type)
    RequestStage.objects.bulk_create(
        RequestStage(request=request, order=n, title=s.title, unit=s.responsible_unit, responsible_post=s.responsible_post,
                     duration=s.duration, duration_unit=s.duration_unit)
        for n, s in enumerate(stages, start=1)
    )
    first = request.stages.order_by("order").first()
    first.request = request
    _activate(first, now=now)
    rollups.request_received_count(request)
    _event(request, "registered", actor=by, to_state=request.status,
           note=_("Registered incomplete: %(reason)s") % {"reason": request.incomplete_reason} if request.incomplete_reason else "")
    _event(request, "handed_over", actor=by, stage=first, to_state=RequestStage.State.ACTIVE)
    if ticket is not None and ticket.state == QueueTicket.State.CALLED and by is not None:
        from apps.desk.queue import ticket_mark_served

        ticket_mark_served(ticket=ticket, by=by)
    _notify(request, Notification.Event.REGISTERED)
    _webhook("request.registered", request)
    return request


def _require_active(stage: RequestStage) -> None:
    """The stage must be waiting for action; the message says what state it is in instead."""
    if stage.state == RequestStage.State.ACTIVE:
        return
    if stage.state == RequestStage.State.ON_HOLD:
        raise TransitionConflict(_("This stage is on hold for an inquiry: resume it first."))
    raise TransitionConflict(_("This stage is no longer waiting for action (someone else already acted on it)."))


def _stage_for_update(stage_id: int, expected_version: int | None) -> tuple[ServiceRequest, RequestStage]:
    stage = RequestStage.objects.only("request_id").get(pk=stage_id)
    request = _locked(stage.request_id, expected_version)
    stage = RequestStage.objects.select_related("unit").get(pk=stage_id)
    stage.request = request
    return request, stage


@transaction.atomic
def stage_complete(*, stage_id: int, by: Staff, note: str = "", files=(), expected_version: int | None = None) -> RequestStage:
    """Record a stage's result and hand the request to the next stage (or to the response)."""
    request, stage = _stage_for_update(stage_id, expected_version)
    _require_active(stage)
    now = timezone.now()
    stage.state = RequestStage.State.DONE
    stage.finished_at = now
    stage.finished_by = by
    stage.note = note
    stage.save(update_fields=["state", "finished_at", "finished_by", "note"])
    for f, content_type in files:
        StageFile.objects.create(stage=stage, file=f, content_type=content_type, uploaded_by=by)
    late = stage.is_overdue
    _event(request, "stage_done", actor=by, stage=stage, from_state=RequestStage.State.ACTIVE,
           to_state=RequestStage.State.DONE, note=note)
    following = request.stages.filter(order__gt=stage.order).order_by("order").first()
    if following is not None:
        following.request = request
        _activate(following, now=now)
        _event(request, "handed_over", actor=by, stage=following, to_state=RequestStage.State.ACTIVE)
        _bump(request)
    else:
        # Every stage done: the response is the last stage's unit's to issue (its officers, its supervisors).
        request.stages_done_at = now
        request.response_unit = stage.unit
        _bump(request, "stages_done_at", "response_unit")
    _notify(request, Notification.Event.STAGE_DONE, event_key=f"{stage.pk}:{stage.finished_at:%Y%m%d%H%M%S%f}")
    _webhook("request.stage_done", request, stage={"order": stage.order, "title": stage.title, "unit": stage.unit_id,
                                                   "finished_at": now.isoformat()})
    stage.was_late = late
    return stage


@transaction.atomic
def stage_return(
    *, stage_id: int, to_order: int, by: Staff, note: str, bring: str = "", expected_version: int | None = None
) -> RequestStage:
    """Refer the request back to an earlier stage; the stages in between wait again. `bring`: what the
    applicant must bring to the desk (a missing document) — they are told by SMS."""
    request, stage = _stage_for_update(stage_id, expected_version)
    _require_active(stage)
    if not note.strip():
        raise ValidationError(_("Say why the request is referred back."))
    target = request.stages.filter(order=to_order, order__lt=stage.order).first()
    if target is None:
        raise ValidationError(_("Choose an earlier stage."))
    request.stages.filter(order__gt=to_order, order__lte=stage.order).update(
        state=RequestStage.State.PENDING, handed_over_at=None, due_at=None, finished_at=None, finished_by=None
    )
    target.request = request
    _activate(target, now=timezone.now())
    _event(request, "returned", actor=by, stage=stage, from_state=f"{stage.order}", to_state=f"{target.order}", note=note)
    if bring.strip():
        asked = RequestEvent.objects.create(request=request, stage=target, action="document_requested",
                                            actor=by.user, note=bring.strip())
        _notify(request, Notification.Event.DOCUMENT_NEEDED, event_key=str(asked.pk))
    _bump(request)
    return target


@transaction.atomic
def request_hold(*, stage_id: int, by: Staff, note: str, expected_version: int | None = None) -> ServiceRequest:
    """Put the request on hold at this stage while an inquiry is answered."""
    request, stage = _stage_for_update(stage_id, expected_version)
    _require_active(stage)
    if not note.strip():
        raise ValidationError(_("Name the inquiry the request is waiting for."))
    stage.state = RequestStage.State.ON_HOLD
    stage.save(update_fields=["state"])
    previous = request.status
    request.status = ServiceRequest.Status.ON_HOLD
    _bump(request, "status")
    _event(request, "on_hold", actor=by, stage=stage, from_state=previous, to_state=request.status, note=note)
    _notify(request, Notification.Event.ON_HOLD, event_key=str(request.version))
    return request


@transaction.atomic
def request_resume(*, stage_id: int, by: Staff, note: str = "", expected_version: int | None = None) -> ServiceRequest:
    """The inquiry is answered: the stage is back in the inbox with its remaining time restarted."""
    request, stage = _stage_for_update(stage_id, expected_version)
    if stage.state != RequestStage.State.ON_HOLD:
        raise TransitionConflict(_("This stage is not on hold."))
    stage.request = request
    _activate(stage, now=timezone.now())
    request.status = ServiceRequest.Status.IN_PROGRESS
    _bump(request, "status")
    _event(request, "resumed", actor=by, stage=stage, from_state=ServiceRequest.Status.ON_HOLD,
           to_state=request.status, note=note)
    return request


def escalation_supervisors(stage: RequestStage):
    """The supervisors a stage can be escalated to: active desk supervisors of its unit or a unit above it."""
    from apps.orgs import roles

    path, ancestors = stage.unit.path, []
    parts = [p for p in path.split("/") if p]
    for n in range(1, len(parts) + 1):
        ancestors.append("/" + "/".join(parts[:n]) + "/")
    return (
        Staff.objects.filter(active=True, user__is_active=True, user__groups__name=roles.BODY_SUPERVISOR,
                             unit__path__in=ancestors)
        .select_related("unit").order_by("-unit__path", "last_name")
    )


@transaction.atomic
def stage_escalate(
    *, stage_id: int, by: Staff, note: str, to: Staff | None, expected_version: int | None = None
) -> RequestStage:
    """Escalate a stuck stage to a named supervisor above its unit: it appears in their inbox and stays
    in the unit's inbox marked with their name."""
    request, stage = _stage_for_update(stage_id, expected_version)
    if stage.state not in (RequestStage.State.ACTIVE, RequestStage.State.ON_HOLD):
        raise TransitionConflict(_("This stage is no longer waiting for action (someone else already acted on it)."))
    if not note.strip():
        raise ValidationError(_("Say why the stage is escalated."))
    if to is None or not escalation_supervisors(stage).filter(pk=to.pk).exists():
        raise ValidationError(_("Choose the supervisor the stage goes to."))
    stage.escalated, stage.escalated_to, stage.escalated_at = True, to, timezone.now()
    stage.save(update_fields=["escalated", "escalated_to", "escalated_at"])
    _bump(request)
    _event(request, "escalated", actor=by, stage=stage,
           note=_("To %(name)s (%(post)s): %(note)s") % {"name": to.full_name, "post": to.post, "note": note})
    return stage


def response_number(request: ServiceRequest, when) -> str:
    return f"{to_jalali(when).year}-{request.tracking_code}"


@transaction.atomic
def response_issue(
    *, request_id: int, by: Staff, outcome: str, content: str, legal_basis: str, appeal_authority: str = "",
    appeal_deadline: str = "", notes: str = "", expected_version: int | None = None,
) -> Response:
    """Issue the table 4 response once every stage is done; the applicant is told it is ready."""
    request = _locked(request_id, expected_version)
    if hasattr(request, "response") or request.status in (ServiceRequest.Status.ANSWERED, ServiceRequest.Status.DELIVERED):
        raise TransitionConflict(_("A response has already been issued for this request."))
    if request.stages.exclude(state=RequestStage.State.DONE).exists():
        raise ValidationError(_("Every stage must be done before the response is issued."))
    if outcome not in ServiceRequest.Outcome.values:
        raise ValidationError(_("Choose the outcome: granted, refused or referred."))
    now = timezone.now()
    response = Response.objects.create(
        request=request, number=response_number(request, now), issued_at=now, outcome=outcome, content=content,
        legal_basis=legal_basis, appeal_authority=appeal_authority, appeal_deadline=appeal_deadline, notes=notes,
        issuer_name=by.full_name, issuer_post=by.post, issued_by=by,
    )
    previous = request.status
    request.status = ServiceRequest.Status.ANSWERED
    request.outcome = outcome
    request.answered_at = now
    _bump(request, "status", "outcome", "answered_at")
    rollups.request_answered_count(request)
    _event(request, "answered", actor=by, from_state=previous, to_state=request.status, note=response.get_outcome_display())
    _notify(request, Notification.Event.RESPONSE_READY)
    _webhook("request.response_issued", request, outcome=outcome, response_number=response.number)
    return response


@transaction.atomic
def request_deliver(
    *, request_id: int, by: Staff, collector_name: str = "", collector_national_code: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """Hand the response over against the receipt, to the applicant or a representative (whose name and
    national code are recorded); records the delivery date and sends the survey link."""
    request = _locked(request_id, expected_version)
    if request.status == ServiceRequest.Status.DELIVERED:
        raise TransitionConflict(_("This response was already delivered."))
    if request.status != ServiceRequest.Status.ANSWERED:
        raise ValidationError(_("There is no response to deliver yet."))
    representative = bool(collector_national_code) and collector_national_code != request.national_code
    if representative and not collector_name.strip():
        raise ValidationError(_("Write the name of the representative who collects the response."))
    request.status = ServiceRequest.Status.DELIVERED
    request.delivered_at = timezone.now()
    request.delivered_by = by
    request.collected_by_national_code = collector_national_code or request.national_code
    request.collected_by_name = collector_name.strip() if representative else request.full_name
    _bump(request, "status", "delivered_at", "delivered_by", "collected_by_name", "collected_by_national_code")
    rollups.request_delivered_count(request)
    _event(request, "delivered", actor=by, from_state=ServiceRequest.Status.ANSWERED, to_state=request.status,
           note=_("Collected by a representative: %(name)s") % {"name": request.collected_by_name} if representative
           else _("Collected by the applicant"))
    _notify(request, Notification.Event.DELIVERED)
    _webhook("request.delivered", request)
    return request


@transaction.atomic
def request_document_add(*, request_id: int, document_id: int, by: Staff, file=None, content_type: str = "") -> RequestDocument:
    """A document missing at intake is brought later: its scan (or its sight on paper) completes the
    checklist, and the history says who received it and when."""
    request = _locked(request_id, None)
    document = RequestDocument.objects.select_for_update().get(pk=document_id, request=request)
    if document.received and (document.file or file is None):
        raise ValidationError(_("This document was already received."))
    document.received = True
    if file is not None:
        document.file, document.content_type = file, content_type
    document.save()
    missing = request.documents.filter(received=False).count()
    note = _("%(doc)s received after registration.") % {"doc": document.title}
    if not missing:
        note += " " + _("Every document of the checklist is now in.")
    _event(request, "document_added", actor=by, note=note)
    _bump(request)
    return document


# What may be corrected after registration, and by whom: a typo in a name or a number is fixed at the
# desk; a different national code is a different person, so only a supervisor changes it.
CORRECTABLE = ("full_name", "mobile", "email", "legal_name")
SUPERVISOR_CORRECTABLE = ("national_code",)


@transaction.atomic
def request_correct(*, request_id: int, by: Staff, changes: dict, reason: str, supervisor: bool = False) -> ServiceRequest:
    """Correct the applicant's details with a reason; the history and the change log keep before and
    after. The national code only when `supervisor` (the view checks the role)."""
    request = _locked(request_id, None)
    allowed = CORRECTABLE + (SUPERVISOR_CORRECTABLE if supervisor else ())
    refused = set(changes) - set(allowed)
    if refused:
        raise ValidationError(_("Only a desk supervisor may change the national code."))
    if not reason.strip():
        raise ValidationError(_("Write why the details are corrected."))
    before = {f: getattr(request, f) for f in changes if getattr(request, f) != changes[f]}
    if not before:
        raise ValidationError(_("Nothing was changed."))
    after = {f: changes[f] for f in before}
    for field, value in after.items():
        setattr(request, field, value)
    _bump(request, *after)
    lines = [f"{ServiceRequest._meta.get_field(f).verbose_name}: {before[f] or '—'} ← {after[f] or '—'}" for f in after]
    _event(request, "corrected", actor=by, note="\n".join([reason.strip(), *lines]))
    from apps.core.services import change_record

    change_record(target=request, action="corrected", actor=by.user, before=before, after=after, note=reason.strip())
    return request
