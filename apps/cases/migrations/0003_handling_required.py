# The columns filled by 0002 become required; a migration of its own, so that PostgreSQL has no
# pending trigger events of 0002's updates when the table is altered.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_handling_and_closure'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='handling_unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handled_cases', to='orgs.orgunit', verbose_name='handled by'),
        ),
        migrations.AlterField(
            model_name='case',
            name='link_token',
            field=models.CharField(editable=False, max_length=43, unique=True),
        ),
    ]
