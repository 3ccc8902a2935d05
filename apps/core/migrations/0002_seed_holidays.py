"""Nationwide holidays of Jalali 1405 and 1406 from data/holidays.csv (taken from the `holidays`
package, 1405/01/25 dropped as in the official calendar). Later years: `manage.py holidays_import`."""

from django.db import migrations


def seed(apps, schema_editor):
    from apps.core.holidays import holidays_seed

    holidays_seed(apps.get_model("core", "Holiday"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
