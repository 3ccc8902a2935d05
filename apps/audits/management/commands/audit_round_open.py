"""Open an audit round by hand (the beat opens the current one every night)."""

from django.core.management.base import BaseCommand, CommandError

from apps.audits.services import audit_round_open
from apps.core.jalali import Period


class Command(BaseCommand):
    help = "Open the bimonthly audit round (default: the current bimonth) with a pre-filled form per HQ and provincial unit."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="The Jalali bimonth, e.g. 1405-B3 (default: the current one).")

    def handle(self, *args, period=None, **options):
        from django.utils import timezone

        try:
            p = Period.parse(period) if period else Period.containing(timezone.localdate(), "B")
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if p.kind != "B":
            raise CommandError("An audit round is a bimonth: write it like 1405-B3.")
        round_ = audit_round_open(year=p.year, number=p.number)
        self.stdout.write(f"{p}: {round_.forms.count()} forms")
