"""Nationwide holidays of Jalali 1405 and 1406 from data/holidays.csv (taken from the `holidays`
package, 1405/01/25 dropped as in the official calendar). Later years: `manage.py holidays_import`."""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "holidays.csv"


def seed(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    with DATA.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            # get_or_create: a date an admin already entered or corrected keeps its row.
            Holiday.objects.get_or_create(
                date=dt.date.fromisoformat(row["date"]),
                province=None,
                defaults={"title": row["title"], "kind": row["kind"]},
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
