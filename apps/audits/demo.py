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
