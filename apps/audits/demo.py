"""Demo data of the audits: the current round open, the demo directorate's form pre-filled, and the
previous bimonth's round worked through to a verified form, so annex 3 has figures to show."""

import datetime as dt

from apps.audits import services
from apps.audits.models import AuditForm, AuditRound
from apps.audits.services import audit_form_refresh, audit_round_open_current
from apps.core.jalali import Period
from apps.orgs.demo import DemoOrg

# The evaluator's return comment and the body's correction of the verified demo form: the most common
# return, a channel to correct, so annex 3 shows the corrected figures rather than the catalog's.
DEMO_RETURN = (
    "خدمت «پاسخ به استعلام طرح هادی روستایی» در میز خدمت حضوری پذیرش می‌شود؛ محل ارائه را اصلاح کنید."
)
DEMO_CORRECTION = ("11040029", {"channel": "in_person", "reason": "internal"})
_BODY = {"good": (1, 2, 3), "average": (4,)}
_EVALUATOR = {"good": (1, 3), "average": (2,), "weak": (4,)}


def _ratings(field: str, levels: dict[str, tuple[int, ...]]) -> dict[int, dict[str, str]]:
    return {item: {field: level} for level, items in levels.items() for item in items}


def seed_audit_demo(org: DemoOrg) -> AuditRound:
    """Open the round of the current bimonth; forms of the demo units still in draft are read again
    from the demo requests and surveys, which seed_demo may have created after the round opened."""
    round_ = audit_round_open_current()
    drafts = AuditForm.objects.filter(
        round=round_, unit__in=[org.hq, org.provincial], state=AuditForm.State.DRAFT
    )
    for form in drafts:
        audit_form_refresh(form=form, by=None)
    seed_audit_demo_verified(org, round_.period)
    return round_


def seed_audit_demo_verified(org: DemoOrg, current: Period) -> AuditForm | None:
    """The bimonth before `current`: its round opened (the catalog as it stood then), and the
    directorate's form declared, returned once, corrected and verified. A form already past its
    draft is left as it is, so a second load changes nothing."""
    previous = Period.containing(current.start - dt.timedelta(days=1), "B")
    round_ = services.audit_round_open(year=previous.year, number=previous.number)
    form = AuditForm.objects.filter(round=round_, unit=org.provincial).first()
    if form is None or form.state != AuditForm.State.DRAFT:
        return form
    supervisor, auditor = org.staff["supervisor"], org.staff["auditor"]
    audit_form_refresh(form=form, by=None)
    services.audit_form_body_update(form=form, by=supervisor, space=_ratings("body_rating", _BODY))
    form = services.audit_form_submit(form=form, by=supervisor)
    form = services.audit_evaluation_start(form=form, by=auditor)
    form = services.audit_form_return(form=form, by=auditor, comment=DEMO_RETURN)
    code, values = DEMO_CORRECTION
    row = form.rows.filter(code=code).first()
    if row is not None:
        services.audit_form_body_update(form=form, by=supervisor, rows={row.pk: values})
    form = services.audit_form_submit(form=form, by=supervisor)
    services.audit_form_evaluation_update(
        form=form,
        by=auditor,
        space=_ratings("evaluator_rating", _EVALUATOR),
        improvement_points="کارشناس راهنمای ارباب رجوع در ساعات شلوغ حضور ندارد.",
    )
    return services.audit_form_verify(form=form, by=auditor)


def audit_demo_summary(org: DemoOrg, round_: AuditRound) -> dict:
    """What the demo directorate's form of the round was pre-filled with (§4 and §6)."""
    form = AuditForm.objects.filter(round=round_, unit=org.provincial).first()
    satisfaction = (form.satisfaction or {}) if form else {}
    return {
        "round": str(round_.period),
        "forms": round_.forms.count(),
        "desk_requests": sum(form.rows.values_list("desk_requests", flat=True)) if form else 0,
        "surveys": satisfaction.get("responses", 0),
        "overall": satisfaction.get("overall"),
    }
