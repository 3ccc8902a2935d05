"""Writes to the organisation's reference data."""

import csv
from pathlib import Path

from apps.core.services import change_record
from apps.orgs.models import Counter, Province, Staff

PROVINCES_CSV = Path(__file__).resolve().parent / "data" / "provinces.csv"


def provinces_seed(model=Province) -> None:
    """Create or refresh the 31 provinces (ISO 3166-2:IR codes, Persian and English names).
    `model` is the historical model when called from a migration."""
    with PROVINCES_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            model.objects.update_or_create(code=row["code"], defaults={"name_fa": row["name_fa"], "name_en": row["name_en"]})


def counter_staff_set(*, counter: Counter, staff: list[Staff], by) -> None:
    """Seat exactly `staff` at the counter and record the change (who, before/after)."""
    before = sorted(counter.staff.values_list("pk", flat=True))
    counter.staff.set(staff)
    after = sorted(s.pk for s in staff)
    if before != after:
        change_record(target=counter, action="staff", actor=by, before={"staff": before}, after={"staff": after})
