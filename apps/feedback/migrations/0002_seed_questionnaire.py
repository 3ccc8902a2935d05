"""Questionnaire version 1: table 5 of guide 2, with the annex 2 §6 grouping beside it."""

from django.db import migrations


def seed(apps, schema_editor):
    from apps.feedback.questionnaire_seed import questionnaire_seed

    questionnaire_seed(
        apps.get_model("feedback", "Questionnaire"), apps.get_model("feedback", "Axis"), apps.get_model("feedback", "Question")
    )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
