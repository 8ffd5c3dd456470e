"""Recordings moved to the recordings app (sealed at rest); recordings.0002 copied
the rows, marking each file as plaintext for `manage.py recordings_seal`."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0012_talk_time_measured"),
        ("recordings", "0002_copy_rows_append_only_default_policy"),
    ]

    operations = [
        migrations.DeleteModel(name="Recording"),
    ]
