"""The 31 provinces with their ISO 3166-2:IR codes (IR-00 … IR-30) and Persian/English names."""

from django.db import migrations


def seed(apps, schema_editor):
    from apps.orgs.services import provinces_seed

    provinces_seed(apps.get_model("orgs", "Province"))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
