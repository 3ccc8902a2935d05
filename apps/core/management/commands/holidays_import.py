"""Seed one Jalali year of nationwide holidays from the `holidays` package into the Holiday table."""

import datetime as dt
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.core.jalali import jalali_to_gregorian, to_jalali
from apps.core.models import Holiday

# Titles of the package's fixed (solar) holidays; anything else it lists follows the moon.
SOLAR_TITLES = frozenset(
    {
        "جشن نوروز",
        "عیدنوروز",
        "روز جمهوری اسلامی",
        "روز طبیعت",
        "رحلت حضرت امام خمینی",
        "قیام 15 خرداد",
        "پیروزی انقلاب اسلامی",
        "روز ملی شدن صنعت نفت ایران",
    }
)
# One-off closures the package carries (e.g. 1404/12/10–16).
SPECIAL_TITLES = frozenset({"تعطیلی عمومی"})
ESTIMATE_MARK = "(تخمینی)"
# Dates the package lists that the official calendar does not: 1405/01/25 (official 1405 has 25 days).
NOT_OFFICIAL = frozenset({dt.date(2026, 4, 14)})


@dataclass(frozen=True)
class PackageHoliday:
    date: dt.date
    kind: str
    title: str


def _kind(titles: list[str]) -> str:
    # A date that is also a solar holiday stays off whatever the moon does, so solar wins.
    if any(t in SOLAR_TITLES for t in titles):
        return Holiday.Kind.SOLAR
    if all(t in SPECIAL_TITLES for t in titles):
        return Holiday.Kind.SPECIAL
    return Holiday.Kind.LUNAR


def package_holidays(jalali_year: int) -> list[PackageHoliday]:
    """One row per holiday date of a Jalali year as the `holidays` package has it, known errors dropped."""
    import holidays

    first = jalali_to_gregorian(jalali_year, 1, 1)
    last = jalali_to_gregorian(jalali_year + 1, 1, 1) - dt.timedelta(days=1)
    calendar = holidays.country_holidays("IR", years=range(first.year, last.year + 1), language="fa_IR")
    rows = []
    for day in sorted(d for d in calendar if first <= d <= last and d not in NOT_OFFICIAL):
        titles = [t.replace(ESTIMATE_MARK, "").strip() for t in calendar.get_list(day)]
        rows.append(PackageHoliday(date=day, kind=_kind(titles), title=" / ".join(titles)))
    return rows


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
