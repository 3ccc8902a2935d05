"""Rebuild the daily rollups of staff ratings and questionnaires from the raw rows."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.feedback.rollups import rollups_differences, rollups_rebuild


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date like 2026-11-22 (Gregorian).") from exc


class Command(BaseCommand):
    help = (
        "Rebuild the daily rollups the satisfaction dashboards read (every day, or --from/--to), in SQL, "
        "in one transaction; --check only reports the rows that differ from the raw ratings and answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_date, help="First day (Gregorian, Tehran time).")
        parser.add_argument("--to", dest="last", type=_date, help="Last day, inclusive.")
        parser.add_argument("--check", action="store_true", help="Compare without writing; exit 1 on a difference.")

    def handle(self, *args, first=None, last=None, check=False, **options):
        if first and last and first > last:
            raise CommandError("--from is after --to.")
        if check:
            differences = rollups_differences(first, last)
            for name, count in differences.items():
                self.stdout.write(f"{name}: {count} rows differ")
            if any(differences.values()):
                raise CommandError("The rollups differ from the raw rows: run this command without --check.")
            return
        for name, rows in rollups_rebuild(first=first, last=last).items():
            self.stdout.write(f"{name}: {rows} rows")
