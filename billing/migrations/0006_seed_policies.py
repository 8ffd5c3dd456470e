"""SPEC "Who pays": the default policy per kind and outcome, in force from the start."""

from django.db import migrations

from billing.defaults import START, seed_policies


def seed(apps, schema_editor):
    seed_policies(apps.get_model("billing", "OutcomePolicy"))


def unseed(apps, schema_editor):
    apps.get_model("billing", "OutcomePolicy").objects.filter(effective_from=START).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_outcomes")]

    operations = [migrations.RunPython(seed, unseed)]
