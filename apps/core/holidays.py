"""Where the Holiday table's rows come from: the checked CSV for 1405–1406 and, for later years,
the `holidays` package (whose lunar dates an administrator must check against the official calendar)."""

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from apps.core.jalali import jalali_to_gregorian
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


SEED_CSV = Path(__file__).resolve().parent / "data" / "holidays.csv"


def holidays_seed(model=Holiday) -> int:
    """Load the checked 1405–1406 calendar into the table; rows an admin already has are kept.
    `model` is the historical model when called from a migration."""
    added = 0
    with SEED_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            _obj, created = model.objects.get_or_create(
                date=dt.date.fromisoformat(row["date"]),
                province=None,
                defaults={"title": row["title"], "kind": row["kind"]},
            )
            added += created
    return added
