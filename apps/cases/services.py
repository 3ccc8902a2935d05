"""Writes of people's communication cases: every case is registered through these functions."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.cases import routing
from apps.cases.models import Case, CaseAttachment, CaseEvent, CaseResponse, CaseType, IdeaReview
from apps.cases.notifications import case_event_announce
from apps.cases.selectors import case_type_due_working_days
from apps.catalog.models import SubService
from apps.core import limits, worktime
from apps.core.validators import normalize_mobile, normalize_national_code
from apps.desk.services import Applicant
from apps.desk.tracking import case_code_new
from apps.orgs.models import Body, BodyDuty, OrgUnit, Staff

# Channels where a clerk registers the case and so answers for the body's duties (charter 3-8).
STAFF_CHANNELS = (Case.Channel.DESK, Case.Channel.PHONE)

TRACKING_CODE_ATTEMPTS = 8


def _normalized(field: str, normalize, value) -> str:
    # The validators' messages, tied to the field so that a form shows them beside it.
    try:
        return normalize(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


@transaction.atomic
def case_register(
    *,
    case_type: str,
    level: str,
    unit: OrgUnit,
    applicant: Applicant,
    subject: str,
    description: str,
    channel: str = Case.Channel.DESK,
    by: Staff | None = None,
    body: Body | None = None,
    complained_body: Body | None = None,
    complained_unit: OrgUnit | None = None,
    official_name: str = "",
    official_post: str = "",
    place: str = "",
    happened_at: dt.datetime | None = None,
    employee: Staff | None = None,
    official: Staff | None = None,
    service: SubService | None = None,
    duty: BodyDuty | None = None,
    attachments: list | None = None,
    referred_to: Body | None = None,
    referral_note: str = "",
) -> Case:
    """Register a case: validated per type, a case tracking code, the due time in working days of
    the unit's province, and the first line of its timeline. Raises ValidationError on bad input.

    A clerk (desk, phone) registers only within the body's duties: the case names one of the body's
    services or duties, or, when the subject is outside them, `referred_to` names the competent body
    and the case goes straight to that body's nearest desk (charter 3-8, 3-14). A complaint that names
    an official is routed by the complaint hierarchy (apps.cases.routing). `attachments` are cleaned
    uploads (apps.core.uploads) kept with the case."""
    now = timezone.now()
    body = body or unit.body
    if official is not None and case_type == CaseType.COMPLAINT:
        complained_unit = complained_unit or official.unit
        complained_body = complained_body or official.body
        official_name = official_name or official.full_name
        official_post = official_post or official.post
    case = Case(
        type=case_type, level=level, channel=channel, unit=unit, body=body, registered_by=by,
        handling_unit=unit, official=official, service=service, duty=duty,
        link_token=secrets.token_urlsafe(32),
        national_code=_normalized("national_code", normalize_national_code, applicant.national_code), full_name=applicant.full_name.strip(),
        mobile=_normalized("mobile", normalize_mobile, applicant.mobile), email=applicant.email.strip(),
        subject=subject.strip(), description=description.strip(),
        complained_body=complained_body, complained_unit=complained_unit,
        official_name=official_name.strip(), official_post=official_post.strip(),
        place=place.strip(), happened_at=happened_at, employee=employee,
        created_at=now,
        due_at=worktime.add_working_days(now, case_type_due_working_days(case_type), province=unit.province),
    )
    errors = {}
    try:
        case.full_clean(exclude=["tracking_code"])
    except ValidationError as error:
        errors = error.message_dict
    errors.update(_duties_errors(case, referred_to=referred_to))
    route = None
    if not errors and official is not None and case_type == CaseType.COMPLAINT:
        try:
            route = routing.complaint_route(official)
        except ValidationError as error:
            errors.update(error.message_dict)
    destination = None
    if not errors and referred_to is not None:
        destination = routing.body_unit_near(referred_to, near=unit)
        if destination is None:
            errors["referred_to"] = [_("This body has no unit with a desk yet; choose another body.")]
    if errors:
        raise ValidationError(errors)
    if route is not None:
        case.handling_unit, case.routing_note = route.unit, route.note
    if destination is not None:
        case.handling_unit, case.body, case.state = destination, referred_to, Case.State.REFERRED
        with translation.override("fa"):
            case.routing_note = _("Outside the duties of %(body)s: referred to the competent body.") % {"body": body.name}
    for _attempt in range(TRACKING_CODE_ATTEMPTS):
        case.tracking_code = case_code_new()
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            case.pk = None  # a collision of random codes: draw again
    else:
        raise RuntimeError("Could not draw a free case tracking code.")
    for upload in attachments or []:
        CaseAttachment.objects.create(case=case, file=upload, name=upload.name[:200], at=now)
    if case.type == CaseType.IDEA:
        IdeaReview.objects.create(case=case)
    # Referred on registration: the applicant hears once, of the referral (which names the code).
    registered = CaseEvent.objects.create(
        case=case, at=now, kind=CaseEvent.Kind.REGISTERED, actor=by, public=destination is None,
        note=case.routing_note,
    )
    if destination is not None:
        referral = CaseEvent.objects.create(
            case=case, at=now, kind=CaseEvent.Kind.REFERRED, actor=by, from_unit=unit, to_unit=destination,
            referral_kind=CaseEvent.ReferralKind.DUTIES, note=referral_note.strip()[: limits.NOTE],
        )
        case_event_announce(referral)
        from apps.api.webhooks import emit_case_referred

        emit_case_referred(case, from_unit=unit, to_unit=destination, kind=CaseEvent.ReferralKind.DUTIES)
    else:
        case_event_announce(registered)
    return case


def _duties_errors(case: Case, *, referred_to: Body | None) -> dict[str, list[str]]:
    """What breaks the rule that a clerk registers only within the body's duties."""
    body = case.body
    bodies = {body.pk}
    parent = body
    while parent.parent_id and parent.parent_id not in bodies:
        bodies.add(parent.parent_id)
        parent = parent.parent
    errors: dict[str, list[str]] = {}
    if case.service_id and case.service.body_id not in bodies:
        errors["service"] = [_("This service is not one of the body's services.")]
    if case.duty_id and case.duty.body_id not in bodies:
        errors["duty"] = [_("This duty is not one of the body's duties.")]
    if referred_to is not None:
        if referred_to.pk in bodies:
            errors["referred_to"] = [_("Refer to another body: this one is the desk's own.")]
        return errors
    # Feelings, thanks and ideas concern no duty; a complaint naming an official goes where the
    # complaint hierarchy sends it, whichever desk took it.
    exempt = case.type in (CaseType.FEELINGS, CaseType.THANKS, CaseType.IDEA) or (
        case.type == CaseType.COMPLAINT and case.official_id
    )
    if case.channel in STAFF_CHANNELS and not (case.service_id or case.duty_id) and not exempt:
        errors["duty"] = [
            _("Choose the service or duty of the body this case is about. If it is outside the body's duties, refer it to the competent body instead of registering it.")
        ]
    return errors


def _event(case: Case, kind: str, *, by: Staff | None, note: str = "", public: bool = True, **fields) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, kind=kind, actor=by, note=(note or "").strip()[: limits.NOTE], public=public, **fields
    )
    case_event_announce(event)
    return event


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("handling_unit", "unit", "body").get(pk=case.pk)


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))


@transaction.atomic
def case_refer(*, case: Case, kind: str, by: Staff | None, note: str, to_unit: OrgUnit | None = None, to_body: Body | None = None) -> Case:
    """Refer an open case: to another unit of the same body (kind UNIT), to the competent body's
    nearest unit (BODY), or upward to the ministry (UPWARD, charter 3-10). The applicant is told."""
    case = _lock(case)
    _require_open(case)
    current = case.handling_unit
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the case is referred.")})
    if len(note) > limits.NOTE:
        raise ValidationError({"note": _("Ensure this value has at most %(limit)d characters.") % {"limit": limits.NOTE}})
    Kind = CaseEvent.ReferralKind
    if kind == Kind.UNIT:
        if to_unit is None or to_unit.body_id != current.body_id:
            raise ValidationError({"to_unit": _("Choose a unit of the same body.")})
    elif kind == Kind.BODY:
        if to_body is None or to_body.pk == current.body_id:
            raise ValidationError({"to_body": _("Choose the competent body (another body).")})
        # Nearest to where the applicant came (the registering desk), not to where the case is now.
        to_unit = routing.body_unit_near(to_body, near=case.unit)
        if to_unit is None:
            raise ValidationError({"to_body": _("This body has no unit with a desk yet; choose another body.")})
        case.body = to_body
    elif kind == Kind.UPWARD:
        to_unit = routing.upward_unit(current)
        if to_unit is None:
            raise ValidationError({"kind": _("Only a provincial or county unit refers a case upward to its ministry.")})
    else:
        raise ValidationError({"kind": _("Choose how the case is referred.")})
    if to_unit.pk == current.pk:
        raise ValidationError({"to_unit": _("The case is already at this unit.")})
    case.handling_unit, case.state = to_unit, Case.State.REFERRED
    case.save(update_fields=["handling_unit", "state", "body"])
    _event(case, CaseEvent.Kind.REFERRED, by=by, note=note, from_unit=current, to_unit=to_unit, referral_kind=kind)
    from apps.api.webhooks import emit_case_referred

    emit_case_referred(case, from_unit=current, to_unit=to_unit, kind=kind)
    return case


@transaction.atomic
def case_act(*, case: Case, by: Staff | None, note: str, public: bool = True) -> Case:
    """Record an action taken on an open case; told to the applicant unless it is an internal note."""
    case = _lock(case)
    _require_open(case)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Describe the action taken.")})
    if len(note) > limits.NOTE:
        raise ValidationError({"note": _("Ensure this value has at most %(limit)d characters.") % {"limit": limits.NOTE}})
    case.state = Case.State.IN_PROGRESS
    case.save(update_fields=["state"])
    _event(case, CaseEvent.Kind.ACTION, by=by, note=note, public=public)
    return case


@transaction.atomic
def case_respond(*, case: Case, by: Staff | None, outcome: str, text: str) -> CaseResponse:
    """Close a case with its written response; the closing SMS carries the link to rate the handling."""
    case = _lock(case)
    _require_open(case)
    response = CaseResponse(case=case, outcome=outcome, text=(text or "").strip(), unit=case.handling_unit, by=by)
    response.full_clean(exclude=["case", "unit", "by"])
    response.save()
    case.state, case.closed_at = Case.State.CLOSED, response.at
    case.save(update_fields=["state", "closed_at"])
    _event(case, CaseEvent.Kind.CLOSED, by=by, note=response.get_outcome_display())
    return response


def case_by_link(token: str) -> Case | None:
    if not token or len(token) > 43:
        return None
    return Case.objects.select_related("handling_unit").filter(link_token=token).first()


@transaction.atomic
def case_rate(*, case: Case, score: int) -> Case:
    """The applicant's rating of the handling of a closed case (1–5, the satisfaction scale); once."""
    case = _lock(case)
    if case.state != Case.State.CLOSED:
        raise ValidationError(_("A case is rated after its response."))
    if case.rated_at is not None:
        raise ValidationError(_("This case has already been rated. Thank you."))
    if score not in range(1, 6):
        raise ValidationError({"rating": _("Choose a score from 1 to 5.")})
    case.rating, case.rated_at = score, timezone.now()
    case.save(update_fields=["rating", "rated_at"])
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.RATED, public=False, note=str(score))
    return case


@transaction.atomic
def case_object(*, case: Case, reason: str) -> Case:
    """A complainant's one objection to the response: the case reopens one level up (routing.one_level_up)."""
    case = _lock(case)
    if not case.may_object:
        raise ValidationError(_("Only a closed complaint can be objected to, and only once."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"objection": _("Say why you object to the response.")})
    if len(reason) > limits.NOTE:
        raise ValidationError({"objection": _("Ensure this value has at most %(limit)d characters.") % {"limit": limits.NOTE}})
    current = case.handling_unit
    up = routing.one_level_up(current)
    if up is None:
        raise ValidationError(_("This complaint was answered at the highest level; the administrative violations board remains open to you."))
    now = timezone.now()
    case.objection, case.objected_at = reason, now
    case.handling_unit, case.state, case.closed_at = up, Case.State.REFERRED, None
    case.due_at = worktime.add_working_days(now, case_type_due_working_days(case.type), province=up.province)
    case.save(update_fields=["objection", "objected_at", "handling_unit", "state", "closed_at", "due_at"])
    _event(
        case, CaseEvent.Kind.OBJECTED, by=None, note=reason, from_unit=current, to_unit=up,
        referral_kind=CaseEvent.ReferralKind.OBJECTION,
    )
    return case
