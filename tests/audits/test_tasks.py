"""The nightly task that opens the round of the current bimonth, its beat entry, and the demo hook."""

from django.conf import settings
from django.utils import timezone

from apps.audits.models import AuditForm, AuditRound
from apps.audits.tasks import audit_rounds_open_current
from apps.core.jalali import Period


def test_the_beat_opens_the_current_round_every_night_at_one():
    entry = settings.CELERY_BEAT_SCHEDULE["audits-round-open"]
    assert entry["task"] == "apps.audits.tasks.audit_rounds_open_current"
    assert entry["schedule"].hour == {1}
    assert entry["schedule"].minute == {0}
    from config.celery import app

    assert "apps.audits.tasks.audit_rounds_open_current" in app.tasks


def test_the_task_opens_the_round_of_the_current_bimonth_once(audit_org):
    first = audit_rounds_open_current.delay().get()
    forms = AuditForm.objects.count()

    second = audit_rounds_open_current.delay().get()

    assert first == second
    round_ = AuditRound.objects.get()
    assert round_.period == Period.containing(timezone.localdate(), "B")
    assert AuditForm.objects.count() == forms > 0


def test_the_demo_hook_opens_the_round_with_the_demo_directorates_form(db):
    from apps.audits.demo import seed_audit_demo
    from apps.catalog.demo import seed_catalog_demo
    from apps.orgs.demo import seed_org_demo

    org = seed_org_demo(password="demo-pass-1405")
    services = seed_catalog_demo(org)

    round_ = seed_audit_demo(org)
    form = AuditForm.objects.get(round=round_, unit=org.provincial)
    version = form.version
    previous = AuditForm.objects.exclude(round=round_).get(unit=org.provincial)
    seed_audit_demo(org)  # seed_demo runs again: nothing changes

    form.refresh_from_db()
    assert form.version == version
    assert form.state == AuditForm.State.DRAFT
    assert form.rows.count() == len(services)
    # The current round, and the previous bimonth's with the directorate's form verified once.
    assert AuditRound.objects.count() == 2
    assert previous.state == AuditForm.State.VERIFIED
    assert AuditForm.objects.get(pk=previous.pk).version == previous.version
