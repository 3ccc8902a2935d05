"""Demo data of the audits: the current round open, the demo directorate's form pre-filled."""

from apps.audits.models import AuditForm, AuditRound
from apps.audits.services import audit_form_refresh, audit_round_open_current
from apps.orgs.demo import DemoOrg


def seed_audit_demo(org: DemoOrg) -> AuditRound:
    """Open the round of the current bimonth; forms of the demo units still in draft are read again
    from the demo requests and surveys, which seed_demo may have created after the round opened."""
    round_ = audit_round_open_current()
    drafts = AuditForm.objects.filter(
        round=round_, unit__in=[org.hq, org.provincial], state=AuditForm.State.DRAFT
    )
    for form in drafts:
        audit_form_refresh(form=form, by=None)
    return round_


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
