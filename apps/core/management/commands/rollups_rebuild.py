"""Rebuild the daily rollups — requests (apps.desk.rollups), staff ratings and questionnaires
(apps.feedback.rollups) — from the raw rows."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.desk.rollups import request_rollups_differences, request_rollups_rebuild
from apps.feedback.rollups import rollups_differences, rollups_rebuild

# Each kind of rollup: (rebuild(first=, last=), differences(first, last)), both giving {table: rows}.
ROLLUPS = ((request_rollups_rebuild, request_rollups_differences), (rollups_rebuild, rollups_differences))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date like 2026-11-22 (Gregorian).") from exc


class Command(BaseCommand):
    help = (
        "Rebuild the daily rollups the dashboards and reports read (every day, or --from/--to), in SQL, one "
        "transaction per kind; --check only reports the rows that differ from the raw requests, ratings and answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_date, help="First day (Gregorian, Tehran time).")
        parser.add_argument("--to", dest="last", type=_date, help="Last day, inclusive.")
        parser.add_argument("--check", action="store_true", help="Compare without writing; exit 1 on a difference.")

    def handle(self, *args, first=None, last=None, check=False, **options):
        if first and last and first > last:
            raise CommandError("--from is after --to.")
        if check:
            differences = {name: n for _rebuild, compare in ROLLUPS for name, n in compare(first, last).items()}
            for name, count in differences.items():
                self.stdout.write(f"{name}: {count} rows differ")
            if any(differences.values()):
                raise CommandError("The rollups differ from the raw rows: run this command without --check.")
            return
        for rebuild, _compare in ROLLUPS:
            for name, rows in rebuild(first=first, last=last).items():
                self.stdout.write(f"{name}: {rows} rows")
