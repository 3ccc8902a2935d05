import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone


def effective_dates_from_created(apps, schema_editor):
    """A service already in the catalog was offered from the day it was created (Tehran), as it
    stands now: the one state its history can honestly start with."""
    SubService = apps.get_model("catalog", "SubService")
    ServiceState = apps.get_model("catalog", "ServiceState")
    states = []
    for service in SubService.objects.only("pk", "created_at", "channel", "non_electronic_reason", "service_type", "active").iterator():
        day = timezone.localtime(service.created_at).date()
        SubService.objects.filter(pk=service.pk).update(valid_from=day)
        states.append(
            ServiceState(
                service_id=service.pk,
                effective_from=day,
                channel=service.channel,
                non_electronic_reason=service.non_electronic_reason,
                service_type=service.service_type,
                active=service.active,
            )
        )
    ServiceState.objects.bulk_create(states, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_text_limits'),
    ]

    operations = [
        migrations.AddField(
            model_name='subservice',
            name='valid_from',
            field=models.DateField(default=django.utils.timezone.localdate, help_text='The first day the service is offered; reports of earlier periods do not count it.', verbose_name='in the catalog from'),
        ),
        migrations.AddField(
            model_name='subservice',
            name='valid_until',
            field=models.DateField(blank=True, help_text='The last day the service is offered; empty while it still is.', null=True, verbose_name='in the catalog until'),
        ),
        migrations.CreateModel(
            name='ServiceState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField(verbose_name='in force from')),
                ('channel', models.CharField(choices=[('in_person', 'In-person desk'), ('electronic', 'Electronic desk'), ('hybrid', 'In-person and electronic'), ('outside', 'Outside the desk')], max_length=12, verbose_name='delivery channel')),
                ('non_electronic_reason', models.CharField(blank=True, choices=[('law', 'A law requires physical presence'), ('digitisation', 'Digitisation is under way'), ('internal', 'The whole process stays inside the body')], max_length=12, verbose_name='reason it is not electronic')),
                ('service_type', models.CharField(choices=[('G2C', 'G2C — to citizens'), ('G2B', 'G2B — to businesses')], max_length=3, verbose_name='type')),
                ('active', models.BooleanField(verbose_name='active')),
                ('recorded_at', models.DateTimeField(auto_now=True, verbose_name='recorded')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='states', to='catalog.subservice', verbose_name='sub-service')),
            ],
            options={
                'verbose_name': 'state of a sub-service',
                'verbose_name_plural': 'states of the sub-service by date',
                'ordering': ['service', 'effective_from'],
                'constraints': [models.UniqueConstraint(fields=('service', 'effective_from'), name='service_state_once_a_day')],
            },
        ),
        migrations.RunPython(effective_dates_from_created, migrations.RunPython.noop),
    ]
