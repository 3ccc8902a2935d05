"""Load the demo data (idempotent), print the demo logins and what the portal now holds. With DEBUG off
only when told explicitly (--allow-production): the production smoke test crawls a demo that way."""

import logging
import os
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

DEFAULT_DEMO_PASSWORD = "miz-khedmat-1405"  # noqa: S105 - the documented demo password


# Without a broker every applicant message is sent in-process, and the console SMS backend and
# Celery's eager runner each log a line or more per message: hundreds of them in a demo load.
CHATTY_LOGGERS = ("apps.core.messaging", "celery.app.trace")


@contextmanager
def _quiet_messages():
    """Only warnings from the message senders while the demo loads."""
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load demo data for a development portal and print the demo logins (DEMO_PASSWORD sets the password)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load it although DEBUG is off (a throwaway production-like portal, e.g. the CI smoke test)",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Demo data is not loaded with DEBUG off: it creates logins with a published password. "
                "Pass --allow-production only on a throwaway portal."
            )
        from apps.api.demo import seed_api_demo
        from apps.audits.demo import audit_demo_summary, seed_audit_demo
        from apps.cases.demo import cases_demo_summary, seed_cases_demo
        from apps.catalog.demo import seed_catalog_demo
        from apps.desk.demo import desk_demo_notifications_backdate, desk_demo_summary, seed_desk_demo
        from apps.feedback.demo import feedback_demo_summary, seed_feedback_demo
        from apps.orgs.demo import DEMO_LOGINS, seed_org_demo

        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        now = timezone.now()
        with _quiet_messages():
            with transaction.atomic():
                org = seed_org_demo(password=password)
                services = seed_catalog_demo(org)
                seed_desk_demo(org, services, now=now)
            # Committed: without a broker the applicants' messages went out just now, dated now.
            desk_demo_notifications_backdate(org)
            # The audit form reads the requests, their messages and the questionnaires, so it comes last.
            with transaction.atomic():
                seed_feedback_demo(org, now=now)
                round_ = seed_audit_demo(org)
            with transaction.atomic():
                seed_cases_demo(org, now=now)
            api_key = seed_api_demo(org)

        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Logins (password for all: {password}):"))
        for username in DEMO_LOGINS:
            staff = org.staff[username]
            self.stdout.write(f"  {username:<11} {staff.full_name} — {staff.post} — {staff.unit}")
        self.stdout.write(f"{len(services)} demo sub-services are published at {settings.SITE_URL}/services/")
        self._summary(desk_demo_summary(org), feedback_demo_summary(org), audit_demo_summary(org, round_))
        self.stdout.write(
            _("People's communication cases: %(total)d of %(types)d types, %(closed)d closed; public meetings booked: %(meetings)d")
            % cases_demo_summary(org)
        )
        self.stdout.write(
            f"API key of the directorate's office automation (every scope; shown only now): {api_key}\n"
            f"  curl -H 'Authorization: Api-Key {api_key}' {settings.SITE_URL}/api/v1/requests/\n"
            f"  documentation: {settings.SITE_URL}/api/docs/ — Open311: {settings.SITE_URL}/open311/v2/services.json"
        )
        self.stdout.write(f"Open {settings.SITE_URL}/accounts/login/")

    def _summary(self, desk: dict, feedback: dict, audit: dict) -> None:
        write = self.stdout.write
        write(_("Requests at the demo desk: %(n)d") % {"n": desk["total"]})
        for key, label in (
            ("new", _("registered today")),
            ("in_stages", _("in their stages, on time")),
            ("overdue", _("overdue at a stage")),
            ("returned", _("referred back to an earlier stage (among the above)")),
            ("on_hold", _("on hold for an inquiry")),
            ("awaiting_response", _("every stage done, response not issued")),
        ):
            write(f"  {label}: {desk[key]}")
        write(
            "  "
            + _("answered, to be collected: %(granted)d granted, %(refused)d refused, %(referred)d referred")
            % desk
        )
        write("  " + _("delivered: %(n)d") % {"n": desk["delivered"]})
        write(_("Queue tickets today: %(n)d") % {"n": desk["queue_today"]})
        write(
            _(
                "Staff QR codes: %(qr_codes)d; ratings: %(ratings)d (%(ratings_held)d held for review); questionnaires: %(surveys)d"
            )
            % feedback
        )
        overall = "—" if audit["overall"] is None else audit["overall"]
        write(
            _(
                "Audit round %(round)s: %(forms)d forms; the directorate's form counts %(desk_requests)d desk "
                "requests and %(surveys)d questionnaires (overall index %(overall)s)"
            )
            % {**audit, "overall": overall}
        )
