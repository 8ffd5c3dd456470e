"""SPEC "Services and tariffs": the prices and commission in force from the start."""

from django.db import migrations

from billing.defaults import START, seed_terms


def seed(apps, schema_editor):
    seed_terms(apps.get_model("billing", "Tariff"), apps.get_model("billing", "CommissionRule"))


def unseed(apps, schema_editor):
    apps.get_model("billing", "Tariff").objects.filter(effective_from=START).delete()
    apps.get_model("billing", "CommissionRule").objects.filter(effective_from=START).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
