"""The 31 provinces with their ISO 3166-2:IR codes (IR-00 … IR-30) and Persian/English names."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "provinces.csv"


def seed(apps, schema_editor):
    Province = apps.get_model("orgs", "Province")
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Province.objects.update_or_create(
                code=row["code"], defaults={"name_fa": row["name_fa"], "name_en": row["name_en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
