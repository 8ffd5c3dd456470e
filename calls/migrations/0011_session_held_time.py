"""A session holds its interpreter from its start to its end plus the buffer, once.

Until now a session held the buffer before its start and after its end, so
two sessions needed twice the buffer between them, and an ended session kept
its whole planned slot. Existing rows get the new range (calls.occupancy):
from the start; until the planned end plus the buffer, or, for an ended
session, its actual end plus the buffer (never later than before, so no row
can come to overlap another on the way).
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Greatest, Least


def hold_real_time(apps, schema_editor):
    Session = apps.get_model("calls", "Session")
    buffer = timedelta(minutes=settings.SESSION_BUFFER_MINUTES)
    Session.objects.update(blocked_from=F("starts_at"))
    ended = models.Q(status="ended", ended_at__isnull=False)
    Session.objects.exclude(ended).update(blocked_until=F("planned_end") + buffer)
    Session.objects.filter(ended).update(
        blocked_until=Greatest(Least(F("ended_at"), F("planned_end")), F("starts_at")) + buffer
    )


def hold_with_buffer_twice(apps, schema_editor):
    Session = apps.get_model("calls", "Session")
    buffer = timedelta(minutes=settings.SESSION_BUFFER_MINUTES)
    Session.objects.update(
        blocked_from=F("starts_at") - buffer, blocked_until=F("planned_end") + buffer
    )


def deferred_checks_now(apps, schema_editor):
    """Run the row updates' deferred foreign-key checks now: PostgreSQL refuses
    to ALTER a table with trigger events pending in the same transaction."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("calls", "0010_windows_for_existing_calls")]

    operations = [
        migrations.RemoveConstraint(model_name="session", name="session_blocked_covers_session"),
        migrations.RunPython(deferred_checks_now, deferred_checks_now),
        migrations.RunPython(hold_real_time, hold_with_buffer_twice),
        migrations.RunPython(deferred_checks_now, deferred_checks_now),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(blocked_from__lte=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("blocked_from"))
                & (
                    models.Q(blocked_until__gte=models.F("planned_end"))
                    | models.Q(ended_at__isnull=False, blocked_until__gte=models.F("ended_at"))
                ),
                name="session_blocked_covers_session",
            ),
        ),
    ]
