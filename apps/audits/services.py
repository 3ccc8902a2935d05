"""The audit workflow (SPEC §6): every write to an audit form goes through these functions.

A form moves draft → submitted → under evaluation → verified, or back to the body as returned (which
edits like a draft and is submitted again). The body's part is edited only in draft/returned, by a
desk supervisor whose scope holds the unit; the evaluator's part only when submitted or under
evaluation, by the provincial auditor of the unit's province (provincial units) or a national
auditor (HQ units). Each write locks the form row, checks the version the actor saw, bumps it and
appends a ChangeRecord with what changed before and after.

Rounds open pre-filled from the portal's own data: §1 and §3 from the catalog as it stood on the
bimonth's last day (or today while the bimonth runs) and its information documents, §4 from the
requests of the round's period at the unit's desk, §5 from what the portal's e-desk offers for the
service, §6 from the questionnaire indices of the period.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audits import selectors
from apps.audits.models import (
    BIMONTHS,
    AuditEvidence,
    AuditForm,
    AuditFormVersion,
    AuditNotice,
    AuditRound,
    AuditServiceRow,
    AuditSpaceItem,
)
from apps.audits.scores import overall_score, section_scores
from apps.catalog.models import FAQ, Channel, Fee, LawReference, RequiredDocument, SubService, WorkflowStage
from apps.catalog.selectors import services_on
from apps.core import worktime
from apps.core.jalali import Period
from apps.core.scoping import unit_in_scope
from apps.core.services import change_record
from apps.orgs import roles
from apps.orgs.models import Counter, OrgUnit, Staff

# The units that fill annex 2: national headquarters and provincial units (guide 1, step 1).
AUDITED_LEVELS = (OrgUnit.Level.HQ, OrgUnit.Level.PROVINCE)

BODY_ROW_FIELDS = frozenset(
    AuditServiceRow.BODY_FIELDS_1
    + AuditServiceRow.BODY_FIELDS_3
    + AuditServiceRow.BODY_FIELDS_4
    + AuditServiceRow.BODY_FIELDS_5
)
EVALUATOR_ROW_FIELDS = frozenset(AuditServiceRow.EVALUATOR_FIELDS)
BODY_SPACE_FIELDS = frozenset({"body_rating", "body_note"})
EVALUATOR_SPACE_FIELDS = frozenset({"evaluator_rating", "evaluator_note"})


class AuditNotAllowed(PermissionDenied):
    """The actor may not do this to this form, or not in its present state (answers 403)."""


class AuditConflict(Exception):
    """Someone else changed the form after the actor's page was loaded."""


# --- who may do what ----------------------------------------------------------------------------


def _user(by: Staff | None):
    return getattr(by, "user", None)


def can_edit_body(by: Staff | None, form: AuditForm) -> bool:
    """A desk supervisor whose scope holds the form's unit (state not considered)."""
    user = _user(by)
    return (
        by is not None
        and by.active
        and user is not None
        and roles.has_role(user, roles.BODY_SUPERVISOR)
        and unit_in_scope(user, form.unit)
    )


def can_evaluate(by: Staff | None, form: AuditForm) -> bool:
    """The evaluator kind for the unit: a provincial auditor of its province for a provincial unit,
    a national auditor for an HQ unit (state and the assigned evaluator not considered)."""
    user = _user(by)
    if by is None or not by.active or user is None:
        return False
    if form.unit.level == OrgUnit.Level.HQ:
        return roles.has_role(user, roles.NATIONAL_AUDITOR)
    return (
        roles.has_role(user, roles.PROVINCIAL_AUDITOR)
        and form.unit.province_id is not None
        and by.unit.province_id == form.unit.province_id
    )


def _require_body_editor(form: AuditForm, by: Staff | None) -> None:
    if not can_edit_body(by, form):
        raise AuditNotAllowed(_("Only a desk supervisor of this unit may change the body's declaration."))
    if not form.body_editable:
        raise AuditNotAllowed(_("The body's declaration is locked once submitted."))


def _require_evaluator(form: AuditForm, by: Staff | None, *, states: Iterable[str]) -> None:
    if not can_evaluate(by, form):
        raise AuditNotAllowed(
            _("Only a national auditor evaluates the forms of national headquarters.")
            if form.unit.level == OrgUnit.Level.HQ
            else _("Only an auditor of the unit's province evaluates this form.")
        )
    if form.state not in states:
        raise AuditNotAllowed(
            _("The form is %(state)s: the evaluator cannot do this now.")
            % {"state": form.get_state_display()}
        )
    if form.state == AuditForm.State.UNDER_EVALUATION and form.evaluator_id not in (None, by.pk):
        raise AuditNotAllowed(_("%(name)s is evaluating this form.") % {"name": form.evaluator.full_name})


def _locked(form_id: int, expected_version: int | None) -> AuditForm:
    # of=("self",): PostgreSQL cannot lock the nullable side of an outer join (the unit's province).
    form = (
        AuditForm.objects.select_for_update(of=("self",))
        .select_related("round", "unit", "unit__body", "body", "evaluator", "preparer")
        .get(pk=form_id)
    )
    if expected_version is not None and form.version != expected_version:
        raise AuditConflict(
            _(
                "This form was changed by someone else while you were working on it. Reload the page and check again."
            )
        )
    return form


def _bump(form: AuditForm, *fields: str) -> None:
    form.version += 1
    form.save(update_fields=["version", "updated_at", *fields])


def _state_snapshot(form: AuditForm, *fields: str) -> dict[str, Any]:
    data = {}
    for name in ("state", *fields):
        value = getattr(form, form._meta.get_field(name).attname)
        data[form._meta.get_field(name).attname] = value.isoformat() if isinstance(value, dt.date) else value
    return data


# --- the org tree: which desk belongs to which audited unit -------------------------------------


class _Zones:
    """Each org unit belongs to the nearest audited unit (HQ or provincial) above it or itself.

    A provincial unit hung under its ministry's HQ has a form of its own, so its requests, answers
    and services count there and not again on the HQ's form.
    """

    def __init__(self, audited: Iterable[OrgUnit]) -> None:
        self.paths = {u.path: u for u in audited}

    def owner_path(self, path: str) -> str | None:
        parts = [p for p in path.split("/") if p]
        for n in range(len(parts), 0, -1):
            prefix = "/" + "/".join(parts[:n]) + "/"
            if prefix in self.paths:
                return prefix
        return None

    def nested(self, unit: OrgUnit) -> list[str]:
        """Paths of the audited units inside `unit`'s subtree (their own zones)."""
        return [p for p in self.paths if p != unit.path and p.startswith(unit.path)]

    def q(self, unit: OrgUnit, field: str = "unit") -> Q:
        """`field` (an OrgUnit lookup) within the zone of `unit`."""
        q = Q(**{f"{field}__path__startswith": unit.path})
        for path in self.nested(unit):
            q &= ~Q(**{f"{field}__path__startswith": path})
        return q


def _zones() -> _Zones:
    return _Zones(OrgUnit.objects.filter(level__in=AUDITED_LEVELS).only("pk", "path"))


def _catalog_day(period: Period) -> dt.date:
    """The day whose catalog a round's form lists: the last of the bimonth, or today while it runs."""
    return min(timezone.localdate(), period.end)


def _catalog(body_ids: Iterable[int], *, day: dt.date) -> dict[int, list[SubService]]:
    """The bodies' services in force on `day`, with the channel and type they had then and what their
    information documents publish (a few queries)."""

    def has(model):
        return Exists(model.objects.filter(service=OuterRef("pk")))

    qs = (
        services_on(day, bodies=list(body_ids))
        .annotate(
            has_stages=has(WorkflowStage),
            has_documents=has(RequiredDocument),
            has_laws=has(LawReference),
            has_fees=has(Fee),
            has_faqs=has(FAQ),
        )
        .prefetch_related(
            Prefetch("units", queryset=OrgUnit.objects.only("pk", "path")),
            Prefetch(
                "counters",
                queryset=Counter.objects.filter(active=True).select_related("unit").only("pk", "unit__path"),
            ),
        )
        .order_by("code")
    )
    by_body: dict[int, list[SubService]] = defaultdict(list)
    for service in qs:
        # The rows copy the service as it was on `day` (never saved back).
        service.channel, service.service_type = service.channel_on, service.service_type_on
        service.non_electronic_reason = service.reason_on
        by_body[service.body_id].append(service)
    return by_body


def _offered_by(service: SubService, unit: OrgUnit, zones: _Zones) -> bool:
    """A service names the units that offer it; one that names none is offered by every unit of its body."""
    units = list(service.units.all())
    return not units or any(zones.owner_path(u.path) == unit.path for u in units)


def _portal_urls(service: SubService) -> tuple[str, str]:
    """(information page, e-service page) of a service on this portal."""
    info = f"{settings.SITE_URL}/services/{service.pk}/"
    eservice = service.eservice_url or (
        f"{settings.SITE_URL}/e/{service.pk}/" if service.is_electronic else ""
    )
    return info, eservice


def _row_from_catalog(service: SubService, unit: OrgUnit, zones: _Zones) -> dict[str, Any]:
    """§1, §3 and §5 of one service as the catalog and the portal's capabilities state them."""
    info_url, eservice_url = _portal_urls(service)
    published_duration = service.average_duration is not None or service.has_stages
    # The portal's e-desk takes a service online only when it is electronic or hybrid and has its
    # table 1 (apps.desk.views.public.edesk_apply); then it offers all of §5.
    online = service.is_electronic and service.has_stages
    return {
        "service": service,
        "code": service.code,
        "title": service.title,
        "service_type": service.service_type,
        "channel": service.channel,
        "reason": "" if service.channel == Channel.ELECTRONIC else service.non_electronic_reason,
        "reason_note": service.non_electronic_note,
        # §3: where it is offered and how people are told.
        "offered_url": eservice_url,
        "website_url": info_url,
        "signs_at_desk": any(zones.owner_path(c.unit.path) == unit.path for c in service.counters.all()),
        "phone": unit.phone or service.responsible_contact[:60],
        "published_steps": service.has_stages,
        "published_documents": service.has_documents,
        "published_laws": service.has_laws,
        "published_duration": published_duration,
        "published_fees": service.has_fees,
        "published_complaint": bool(service.complaint_procedure.strip()),
        "published_responsible": bool(service.responsible_name.strip()),
        "published_faq": service.has_faqs,
        # §5: the e-desk form takes a scan of every required document.
        "page_url": eservice_url if service.is_electronic else "",
        "e_upload": online and service.has_documents,
        "e_forms": online,
        "e_delivery": online,  # the response PDF is downloaded from the tracking page
        "tracking_code": online,
        "stage_tracking": online,
        "sms": online,
        "e_survey": online,
    }


def desk_figures(*, unit: OrgUnit, period: Period, zones: _Zones | None = None) -> dict[int, dict[str, Any]]:
    """§4 per service id from the in-person requests registered at the unit's desk in the period
    (four grouped queries): every registered request got a receipt with its promised date; the share
    of checklist documents received at intake; whether a questionnaire was answered or the delivery
    SMS carrying the survey link went out."""
    from apps.desk.models import Notification, RequestDocument, ServiceRequest
    from apps.feedback.models import SurveyResponse

    zones = zones or _zones()
    start, end = period.bounds()
    requests = ServiceRequest.objects.filter(
        zones.q(unit),
        channel=ServiceRequest.Channel.DESK,
        received_at__gte=start,
        received_at__lt=end,
    )
    figures: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "desk_requests": 0,
            "receipt_with_time": False,
            "docs_at_request_pct": None,
            "survey_given": False,
        }
    )
    for row in requests.order_by().values("service_id").annotate(n=Count("pk")):
        figures[row["service_id"]].update(desk_requests=row["n"], receipt_with_time=row["n"] > 0)
    documents = (
        RequestDocument.objects.filter(request__in=requests)
        .order_by()
        .values("request__service_id")
        .annotate(total=Count("pk"), taken=Count("pk", filter=Q(received=True)))
    )
    for row in documents:
        if row["total"]:
            figures[row["request__service_id"]]["docs_at_request_pct"] = round(
                100 * row["taken"] / row["total"]
            )
    surveyed = set(
        SurveyResponse.objects.filter(request__in=requests)
        .order_by()
        .values_list("request__service_id", flat=True)
        .distinct()
    ) | set(
        Notification.objects.filter(
            request__in=requests, event=Notification.Event.DELIVERED, state=Notification.State.SENT
        )
        .order_by()
        .values_list("request__service_id", flat=True)
        .distinct()
    )
    for service_id in surveyed:
        figures[service_id]["survey_given"] = True
    return dict(figures)


def satisfaction_snapshot(*, unit: OrgUnit, period: Period, zones: _Zones | None = None) -> dict[str, Any]:
    """§6: the annex 2 axis indices, the question indices and the overall index (0–100) of the
    questionnaires answered about the unit's desk in the period, as JSON to keep on the form."""
    from apps.feedback.indices import answers_in_scope, axis_indices, overall_index, question_indices
    from apps.feedback.models import Question

    zones = zones or _zones()
    answers = answers_in_scope(unit=unit, body=unit.body_id, period=period)
    for path in zones.nested(unit):
        answers = answers.exclude(unit__path__startswith=path)
    overall = overall_index(answers)
    texts = dict(Question.objects.filter(questionnaire__active=True).values_list("number", "text"))
    questions = question_indices(answers)
    return {
        "period": str(period),
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "responses": answers.order_by().values("response_id").distinct().count(),
        "overall": None if overall is None else round(overall, 1),
        "axes": [
            {
                "order": a.order,
                "title": a.title,
                "index": round(a.index, 1),
                "count": a.count,
                "questions": list(a.questions),
            }
            for a in axis_indices(answers, grouping="annex2")
        ],
        "questions": [
            {"number": n, "text": texts.get(n, ""), "index": round(q.index, 1), "count": q.count}
            for n, q in sorted(questions.items())
        ],
    }


def _without_time(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k != "computed_at"}


def _form_create(round_: AuditRound, unit: OrgUnit, services: list[SubService], zones: _Zones) -> AuditForm:
    period = round_.period
    form = AuditForm.objects.create(
        round=round_,
        unit=unit,
        body_id=unit.body_id,
        declaration_due=_form_declaration_due(round_, unit),
        satisfaction=satisfaction_snapshot(unit=unit, period=period, zones=zones),
    )
    figures = desk_figures(unit=unit, period=period, zones=zones)
    offered = [s for s in services if _offered_by(s, unit, zones)]
    AuditServiceRow.objects.bulk_create(
        AuditServiceRow(form=form, order=n, **_row_from_catalog(s, unit, zones), **figures.get(s.pk, {}))
        for n, s in enumerate(offered, start=1)
    )
    AuditSpaceItem.objects.bulk_create(
        AuditSpaceItem(form=form, item=item) for item in AuditSpaceItem.Item.values
    )
    rows = list(form.rows.all())
    change_record(
        target=form,
        action="opened",
        after={
            "round": str(period),
            "unit": unit.pk,
            "state": form.state,
            "services": len(rows),
            "totals": _totals(rows),
        },
    )
    return form


def _totals(rows: list[AuditServiceRow]) -> dict[str, int]:
    count = lambda channel: sum(1 for r in rows if r.channel == channel)  # noqa: E731
    return {
        "a": len(rows),
        "b": count(Channel.IN_PERSON),
        "c": count(Channel.ELECTRONIC),
        "d": count(Channel.HYBRID),
        "e": count(Channel.OUTSIDE),
    }


# --- deadlines and notices -----------------------------------------------------------------------


def working_days_after(day: dt.date, days: int, *, province=None) -> dt.date:
    """The date `days` working days after `day` on the calendar of the province (nationwide when None)."""
    start = dt.datetime.combine(day, dt.time(12), tzinfo=worktime.TEHRAN)
    return worktime.calendar_for(province).add_working_days(start, days).date()


def _round_deadlines(round_: AuditRound) -> None:
    opened = timezone.localdate(round_.opened_at)
    round_.declaration_due = working_days_after(opened, round_.declaration_days)
    round_.evaluation_due = working_days_after(round_.declaration_due, round_.evaluation_days)


def _form_declaration_due(round_: AuditRound, unit: OrgUnit) -> dt.date:
    return working_days_after(
        timezone.localdate(round_.opened_at), round_.declaration_days, province=unit.province
    )


@transaction.atomic
def audit_round_deadlines_set(*, round_: AuditRound) -> AuditRound:
    """Recompute the round's due dates from its working days (after an administrator changed them)
    and the self-declaration due date of its forms still in draft."""
    _round_deadlines(round_)
    round_.save(update_fields=["declaration_days", "evaluation_days", "declaration_due", "evaluation_due"])
    drafts = list(round_.forms.filter(state=AuditForm.State.DRAFT).select_related("unit__province"))
    for form in drafts:
        form.declaration_due = _form_declaration_due(round_, form.unit)
    AuditForm.objects.bulk_update(drafts, ["declaration_due"])
    return round_


def _forms_deadlines_fill(round_: AuditRound) -> None:
    """Due dates for the forms of a round opened before rounds had deadlines: the self-declaration's
    from the round's opening, the evaluation's (forms already submitted) as a submission sets it."""
    forms = list(
        round_.forms.filter(Q(declaration_due__isnull=True) | Q(evaluation_due__isnull=True)).select_related(
            "unit__province"
        )
    )
    for form in forms:
        if form.declaration_due is None:
            form.declaration_due = _form_declaration_due(round_, form.unit)
        if form.evaluation_due is None and form.declared_at and form.state != AuditForm.State.RETURNED:
            start = max(form.declared_at, form.declaration_due)
            form.evaluation_due = working_days_after(
                start, round_.evaluation_days, province=form.unit.province
            )
    AuditForm.objects.bulk_update(forms, ["declaration_due", "evaluation_due"])


def _notify_on_commit(form: AuditForm, event: str, event_key: str = "", note: str = "") -> None:
    from apps.audits.tasks import audit_form_notify

    transaction.on_commit(
        lambda: audit_form_notify.delay(form_id=form.pk, event=event, event_key=event_key, note=note)
    )


# --- rounds -------------------------------------------------------------------------------------


@transaction.atomic
def audit_round_open(*, year: int, number: int, today: dt.date | None = None) -> AuditRound:
    """Open a bimonthly round: its due dates in working days from `today`, a pre-filled draft form
    for every HQ and provincial unit that has none in it yet, and a notice to each body's desk
    supervisors (running it again changes nothing, except forms for units created since)."""
    if not 1 <= number <= BIMONTHS:
        raise ValueError("An audit round is a bimonth: 1 to 6.")
    round_, created = AuditRound.objects.get_or_create(year=year, number=number)
    if created or round_.declaration_due is None:
        if created and today is not None:
            round_.opened_at = dt.datetime.combine(today, dt.time(9), tzinfo=worktime.TEHRAN)
        _round_deadlines(round_)
        round_.save(update_fields=["opened_at", "declaration_due", "evaluation_due"])
        if not created:
            _forms_deadlines_fill(round_)
    # Two openers at once (beat and a person) queue here instead of racing on audit_form_once_per_unit.
    round_ = AuditRound.objects.select_for_update().get(pk=round_.pk)
    audited = list(OrgUnit.objects.filter(level__in=AUDITED_LEVELS).select_related("body").order_by("path"))
    have = set(round_.forms.values_list("unit_id", flat=True))
    todo = [u for u in audited if u.pk not in have]
    if todo:
        zones = _Zones(audited)
        catalog = _catalog({u.body_id for u in todo}, day=_catalog_day(round_.period))
        for unit in todo:
            form = _form_create(round_, unit, catalog.get(unit.body_id, []), zones)
            _notify_on_commit(form, AuditNotice.Event.ROUND_OPENED)
    return round_


def audit_round_open_current(*, today: dt.date | None = None) -> AuditRound:
    """Open the round of the Jalali bimonth that contains today (Tehran)."""
    today = today or timezone.localdate()
    period = Period.containing(today, "B")
    return audit_round_open(year=period.year, number=period.number, today=today)


# --- the body's part ----------------------------------------------------------------------------


def _apply(obj, values: Mapping[str, Any], allowed: frozenset[str]) -> tuple[dict, dict]:
    """Set the changed fields on obj; returns (before, after) of just those fields."""
    before, after = {}, {}
    for name, value in values.items():
        if name not in allowed:
            raise ValueError(f"{name} is not a field this part may change")
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(obj, name, value)
    return before, after


def _apply_rows(
    form: AuditForm, rows: Mapping[int, Mapping[str, Any]], allowed: frozenset[str], before: dict, after: dict
) -> None:
    by_pk = {r.pk: r for r in form.rows.all()}
    changed, fields = [], set()
    for pk, values in rows.items():
        row = by_pk.get(pk)
        if row is None:
            raise ValidationError(_("A row of another form was sent."))
        old, new = _apply(row, values, allowed)
        if row.channel == Channel.ELECTRONIC and row.reason and "reason" in allowed:
            # A fully electronic service needs no reason (the catalog's rule): cleared, not refused.
            old.setdefault("reason", row.reason)
            new["reason"] = row.reason = ""
        if new:
            changed.append(row)
            fields.update(new)
            before.setdefault("rows", {})[row.code] = old
            after.setdefault("rows", {})[row.code] = new
    if changed:
        AuditServiceRow.objects.bulk_update(changed, sorted(fields))


def _apply_space(
    form: AuditForm,
    space: Mapping[int, Mapping[str, Any]],
    allowed: frozenset[str],
    before: dict,
    after: dict,
) -> None:
    by_item = {i.item: i for i in form.space_items.all()}
    changed, fields = [], set()
    for item, values in space.items():
        obj = by_item.get(int(item))
        if obj is None:
            raise ValidationError(_("No such item in §2."))
        old, new = _apply(obj, values, allowed)
        if new:
            changed.append(obj)
            fields.update(new)
            before.setdefault("space", {})[str(obj.item)] = old
            after.setdefault("space", {})[str(obj.item)] = new
    if changed:
        AuditSpaceItem.objects.bulk_update(changed, sorted(fields))


@transaction.atomic
def audit_form_body_update(
    *,
    form: AuditForm,
    by: Staff,
    rows: Mapping[int, Mapping[str, Any]] | None = None,
    space: Mapping[int, Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> AuditForm:
    """Save changes to the body's declaration (§1–§5 rows, §2 A) of a draft or returned form."""
    form = _locked(form.pk, expected_version)
    _require_body_editor(form, by)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _apply_rows(form, rows or {}, BODY_ROW_FIELDS, before, after)
    _apply_space(form, space or {}, BODY_SPACE_FIELDS, before, after)
    if after:
        _bump(form)
        change_record(target=form, action="body_updated", actor=_user(by), before=before, after=after)
    return form


@transaction.atomic
def audit_form_refresh(
    *,
    form: AuditForm,
    by: Staff | None,
    expected_version: int | None = None,
    replace_corrections: bool = False,
) -> AuditForm:
    """Re-read §4 and §6 from the portal's data of the period and add rows for services added to the
    catalog since the round opened (draft or returned forms; `by` None is the system). The §4 values
    the body typed itself are kept unless `replace_corrections` (the body asked for it by name)."""
    form = _locked(form.pk, expected_version)
    if by is not None:
        _require_body_editor(form, by)
    elif not form.body_editable:
        raise AuditNotAllowed(_("The body's declaration is locked once submitted."))
    zones = _zones()
    period = form.round.period
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    figures = desk_figures(unit=form.unit, period=period, zones=zones)
    rows = list(form.rows.all())
    corrected = set() if replace_corrections else selectors.audit_form_desk_corrections(form=form)
    changes = {
        r.pk: {
            name: figures.get(r.service_id, {}).get(name, default)
            for name, default in (
                ("receipt_with_time", False),
                ("docs_at_request_pct", None),
                ("survey_given", False),
            )
            if (r.code, name) not in corrected
        }
        for r in rows
    }
    _apply_rows(form, changes, frozenset(AuditServiceRow.BODY_FIELDS_4), before, after)
    desk_counts = [
        r for r in rows if r.desk_requests != figures.get(r.service_id, {}).get("desk_requests", 0)
    ]
    for r in desk_counts:
        r.desk_requests = figures.get(r.service_id, {}).get("desk_requests", 0)
    AuditServiceRow.objects.bulk_update(desk_counts, ["desk_requests"])

    listed = {r.service_id for r in rows}
    missing = [
        s
        for s in _catalog([form.body_id], day=_catalog_day(period)).get(form.body_id, [])
        if s.pk not in listed and _offered_by(s, form.unit, zones) and s.code not in {r.code for r in rows}
    ]
    last = max((r.order for r in rows), default=0)
    added = AuditServiceRow.objects.bulk_create(
        AuditServiceRow(
            form=form, order=last + n, **_row_from_catalog(s, form.unit, zones), **figures.get(s.pk, {})
        )
        for n, s in enumerate(missing, start=1)
    )
    if added:
        after["added"] = [f"{r.code} — {r.title}" for r in added]
    if replace_corrections and selectors.audit_form_desk_corrections(form=form):
        after["corrections_replaced"] = True  # from here on no §4 value counts as the body's own
    old = form.satisfaction or {}
    new = satisfaction_snapshot(unit=form.unit, period=period, zones=zones)
    if _without_time(new) == _without_time(old) and not after:
        return form  # nothing new in the period: no version bump, no record
    if new["overall"] != old.get("overall") or new["responses"] != old.get("responses"):
        before["satisfaction_overall"], after["satisfaction_overall"] = old.get("overall"), new["overall"]
    form.satisfaction = new
    _bump(form, "satisfaction")
    change_record(target=form, action="refreshed", actor=_user(by), before=before or None, after=after)
    return form


@transaction.atomic
def audit_form_submit(*, form: AuditForm, by: Staff, expected_version: int | None = None) -> AuditForm:
    """Submit the self-declaration to the evaluators: locks the body's part, dates it, names the
    preparer and takes the §6 figures as of now."""
    form = _locked(form.pk, expected_version)
    _require_body_editor(form, by)
    problems = [
        _("%(service)s: choose why it is not delivered at the electronic desk.")
        % {"service": f"{r.code} — {r.title}"}
        for r in form.rows.all()
        if r.channel != Channel.ELECTRONIC and not r.reason
    ]
    unrated = [i.get_item_display() for i in form.space_items.all() if not i.body_rating]
    if unrated:
        problems.append(
            _("§2: rate every item of the desk's space and staffing (%(items)s).")
            % {"items": "؛ ".join(unrated)}
        )
    if problems:
        raise ValidationError(problems)
    before = _state_snapshot(form, "declared_at", "preparer", "return_comment", "evaluation_due")
    form.state = AuditForm.State.SUBMITTED
    form.declared_at = timezone.localdate()
    form.preparer = by
    form.return_comment = ""
    form.satisfaction = satisfaction_snapshot(unit=form.unit, period=form.round.period)
    # The evaluators get their working days from the due date, or from a late submission.
    start = max(form.declared_at, form.declaration_due or form.declared_at)
    form.evaluation_due = working_days_after(start, form.round.evaluation_days, province=form.unit.province)
    _bump(form, "state", "declared_at", "preparer", "return_comment", "satisfaction", "evaluation_due")
    _notify_on_commit(form, AuditNotice.Event.SUBMITTED, str(form.version))
    change_record(
        target=form,
        action="submitted",
        actor=_user(by),
        before=before,
        after=_state_snapshot(form, "declared_at", "preparer", "return_comment", "evaluation_due"),
    )
    return form


# --- the evaluator's part -----------------------------------------------------------------------


# --- evidence of the site visit -------------------------------------------------------------------


@transaction.atomic
def audit_evidence_add(
    *, form: AuditForm, by: Staff, file, section: int = 0, caption: str = ""
) -> AuditEvidence:
    """Attach a photo or document of the visit to a section; `file` is the checked copy from
    apps.core.uploads.upload_clean. Only the evaluator, while the form is theirs to edit."""
    form = _locked(form.pk, None)
    _require_evaluator(form, by, states=AuditForm.EVALUATOR_EDITABLE)
    if section not in AuditEvidence.Section.values:
        raise ValidationError(_("Choose the section the file belongs to."))
    evidence = AuditEvidence.objects.create(
        form=form,
        section=section,
        file=file,
        file_type=getattr(file, "detected_type", "") or file.name.rsplit(".", 1)[-1][:8],
        caption=(caption or "").strip(),
        uploaded_by=by,
    )
    change_record(
        target=form,
        action="evidence_added",
        actor=_user(by),
        after={
            "evidence_file": f"{evidence.get_section_display()}: {evidence.caption or evidence.file_type}"
        },
    )
    return evidence


@transaction.atomic
def audit_evidence_remove(*, evidence_id: int, form: AuditForm, by: Staff) -> None:
    """Take a file off the form (and out of storage) while the evaluation is still open."""
    form = _locked(form.pk, None)
    _require_evaluator(form, by, states=AuditForm.EVALUATOR_EDITABLE)
    evidence = AuditEvidence.objects.select_for_update().get(pk=evidence_id, form=form)
    label = f"{evidence.get_section_display()}: {evidence.caption or evidence.file_type}"
    name = evidence.file.name
    evidence.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: evidence.file.storage.delete(name))
    change_record(
        target=form,
        action="evidence_removed",
        actor=_user(by),
        before={"evidence_file": label},
        after={"evidence_file": ""},
    )


def _start(form: AuditForm, by: Staff) -> None:
    before = _state_snapshot(form, "evaluator")
    form.state = AuditForm.State.UNDER_EVALUATION
    form.evaluator = by
    _bump(form, "state", "evaluator")
    change_record(
        target=form,
        action="evaluation_started",
        actor=_user(by),
        before=before,
        after=_state_snapshot(form, "evaluator"),
    )


@transaction.atomic
def audit_evaluation_start(*, form: AuditForm, by: Staff, expected_version: int | None = None) -> AuditForm:
    """Take a submitted form into evaluation; the acting auditor becomes its evaluator."""
    form = _locked(form.pk, expected_version)
    _require_evaluator(form, by, states=[AuditForm.State.SUBMITTED])
    _start(form, by)
    return form


@transaction.atomic
def audit_form_evaluation_update(
    *,
    form: AuditForm,
    by: Staff,
    rows: Mapping[int, Mapping[str, Any]] | None = None,
    space: Mapping[int, Mapping[str, Any]] | None = None,
    improvement_points: str | None = None,
    expected_version: int | None = None,
) -> AuditForm:
    """Save the evaluator's findings (channels found false, corrections, §2 B, points to improve);
    a submitted form is taken into evaluation first."""
    form = _locked(form.pk, expected_version)
    _require_evaluator(form, by, states=AuditForm.EVALUATOR_EDITABLE)
    if form.state == AuditForm.State.SUBMITTED:
        _start(form, by)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _apply_rows(form, rows or {}, EVALUATOR_ROW_FIELDS, before, after)
    _apply_space(form, space or {}, EVALUATOR_SPACE_FIELDS, before, after)
    if improvement_points is not None and improvement_points != form.improvement_points:
        before["improvement_points"], after["improvement_points"] = (
            form.improvement_points,
            improvement_points,
        )
        form.improvement_points = improvement_points
    if after:
        _bump(form, "improvement_points")
        change_record(target=form, action="evaluation_updated", actor=_user(by), before=before, after=after)
    return form


@transaction.atomic
def audit_form_verify(*, form: AuditForm, by: Staff, expected_version: int | None = None) -> AuditForm:
    """Verify the declaration: the evaluation is final and dated."""
    form = _locked(form.pk, expected_version)
    _require_evaluator(form, by, states=[AuditForm.State.UNDER_EVALUATION])
    unrated = [i.get_item_display() for i in form.space_items.all() if not i.evaluator_rating]
    if unrated:
        raise ValidationError(
            _("§2 B: rate every item of the desk's space and staffing before verifying (%(items)s).")
            % {"items": "؛ ".join(unrated)}
        )
    before = _state_snapshot(form, "evaluated_at", "evaluator")
    form.state = AuditForm.State.VERIFIED
    form.evaluated_at = timezone.localdate()
    form.evaluator = by
    _bump(form, "state", "evaluated_at", "evaluator")
    version = _freeze(form, by)
    change_record(
        target=form,
        action="verified",
        actor=_user(by),
        before=before,
        after={
            **_state_snapshot(form, "evaluated_at", "evaluator"),
            "version": version.number,
            "score": version.score,
        },
    )
    return form


def _plain(obj) -> dict[str, Any]:
    """The concrete fields of a row as JSON values (dates as ISO text)."""
    data = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        data[f.attname] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return data


def _freeze(form: AuditForm, by: Staff) -> AuditFormVersion:
    """Keep the verified form as it stands: header, rows, §2 items, §6 and the score."""
    rows = list(AuditServiceRow.objects.filter(form=form).order_by("order", "pk"))
    items = list(AuditSpaceItem.objects.filter(form=form).order_by("item"))
    form._prefetched_objects_cache = {"rows": rows, "space_items": items}  # score the rows just read
    sections = section_scores(form)
    number = (form.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return AuditFormVersion.objects.create(
        form=form,
        number=number,
        verified_by=by,
        score=overall_score(sections),
        sections=sections,
        data={"form": _plain(form), "rows": [_plain(r) for r in rows], "space": [_plain(i) for i in items]},
    )


def audit_version_form(version: AuditFormVersion) -> AuditForm:
    """The form as it was verified, rebuilt (unsaved) from the frozen version for reading: its rows
    and §2 items are served as if prefetched, so the form page and its properties work unchanged."""

    def build(model, data):
        obj = model()
        for f in model._meta.concrete_fields:
            if f.attname in data:
                value = data[f.attname]
                setattr(obj, f.attname, f.to_python(value) if isinstance(value, str) else value)
        return obj

    live = version.form
    form = build(AuditForm, version.data["form"])
    form.round, form.unit, form.body = live.round, live.unit, live.body
    rows = [build(AuditServiceRow, r) for r in version.data["rows"]]
    items = [build(AuditSpaceItem, i) for i in version.data["space"]]
    for child in (*rows, *items):
        child.form = form
    form._prefetched_objects_cache = {"rows": rows, "space_items": items}
    return form


@transaction.atomic
def audit_form_reopen(
    *, form: AuditForm, by: Staff, reason: str, expected_version: int | None = None
) -> AuditForm:
    """Reopen a verified form for another evaluation (national auditors only, with a reason); the
    verified version stays readable and keeps feeding reports until the form is verified again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the verified form is reopened."))
    form = _locked(form.pk, expected_version)
    user = _user(by)
    if by is None or not by.active or user is None or not roles.has_role(user, roles.NATIONAL_AUDITOR):
        raise AuditNotAllowed(_("Only a national auditor may reopen a verified form."))
    if form.state != AuditForm.State.VERIFIED:
        raise AuditNotAllowed(_("Only a verified form can be reopened."))
    before = _state_snapshot(form, "evaluated_at", "evaluation_due")
    form.state = AuditForm.State.UNDER_EVALUATION
    form.evaluated_at = None
    window = working_days_after(timezone.localdate(), form.round.evaluation_days, province=form.unit.province)
    form.evaluation_due = max(window, form.evaluation_due or window)
    _bump(form, "state", "evaluated_at", "evaluation_due")
    last = form.versions.order_by("-number").values_list("number", flat=True).first()
    change_record(
        target=form,
        action="reopened",
        actor=user,
        before=before,
        after={**_state_snapshot(form, "evaluated_at", "evaluation_due"), "version": last},
        note=reason,
    )
    _notify_on_commit(form, AuditNotice.Event.REOPENED, str(form.version), note=reason)
    return form


@transaction.atomic
def audit_form_return(
    *, form: AuditForm, by: Staff, comment: str, expected_version: int | None = None
) -> AuditForm:
    """Return a submitted form to the body with the evaluator's comment; the body edits and submits again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what the body must correct before returning the form."))
    form = _locked(form.pk, expected_version)
    _require_evaluator(form, by, states=AuditForm.EVALUATOR_EDITABLE)
    before = _state_snapshot(form, "return_comment", "evaluator", "declaration_due")
    form.state = AuditForm.State.RETURNED
    form.return_comment = comment
    form.evaluator = form.evaluator or by
    # The body gets AUDIT_RETURN_DAYS working days to correct, never less than the round gave it.
    window = working_days_after(timezone.localdate(), settings.AUDIT_RETURN_DAYS, province=form.unit.province)
    form.declaration_due = max(window, form.declaration_due or window)
    _bump(form, "state", "return_comment", "evaluator", "declaration_due")
    change_record(
        target=form,
        action="returned",
        actor=_user(by),
        before=before,
        after=_state_snapshot(form, "return_comment", "evaluator", "declaration_due"),
        note=comment,
    )
    _notify_on_commit(form, AuditNotice.Event.RETURNED, str(form.version))
    return form
