"""Seed one Jalali year of nationwide holidays from the `holidays` package into the Holiday table."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.core.holidays import package_holidays
from apps.core.jalali import to_jalali
from apps.core.models import Holiday


class Command(BaseCommand):
    help = (
        "Add the nationwide holidays of one Jalali year from the `holidays` package to the Holiday "
        "table; dates already there are left alone. Lunar dates are the package's estimates and moon "
        "sighting moves them: an admin must check every added row against the official calendar "
        "published for that year and correct the table in the admin, which is the source of truth."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jalali-year", type=int, required=True, help="Jalali year, e.g. 1407.")

    @transaction.atomic
    def handle(self, *args, jalali_year: int, **options) -> None:
        if not 1350 <= jalali_year <= 1500:
            raise CommandError(f"{jalali_year} does not look like a Jalali year (e.g. 1407).")
        rows = package_holidays(jalali_year)
        if not rows:
            raise CommandError(f"The holidays package has no Iranian holidays for {jalali_year}.")
        nationwide = Holiday.objects.filter(province=None, date__in=[r.date for r in rows])
        present = set(nationwide.values_list("date", flat=True))
        added = [r for r in rows if r.date not in present]
        for row in added:
            Holiday.objects.create(date=row.date, title=row.title[:200], kind=row.kind)
            jalali = to_jalali(row.date).strftime("%Y/%m/%d")
            self.stdout.write(f"+ {jalali} ({row.date}) {row.kind}: {row.title}")
        self.stdout.write(
            self.style.SUCCESS(f"{jalali_year}: added {len(added)}, already present {len(present)}.")
        )
        if any(r.kind == Holiday.Kind.LUNAR for r in added):
            warning = "Check the lunar dates against the official calendar before relying on them."
            self.stdout.write(self.style.WARNING(warning))
