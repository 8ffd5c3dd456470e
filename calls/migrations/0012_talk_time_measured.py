"""Talk time is measured: sessions keep end − start, and a correction is audited.

Existing ended sessions get their measured time from their start and end. A
row whose billed talk time was typed beyond that (the old admin form trusted
any figure) keeps its billed figure and no measured one: its money is in the
ledger already. On PostgreSQL two checks hold every new or changed row
(NOT VALID: old rows are left as they were):
- billed talk time ≤ the seconds between start and end;
- a session lasts 5 to 240 minutes as planned (the booking limits).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_CHECKS = [
    (
        "session_talk_within_elapsed",
        "talk_seconds IS NULL OR (started_at IS NOT NULL AND ended_at IS NOT NULL"
        " AND talk_seconds <= EXTRACT(EPOCH FROM (ended_at - started_at)))",
    ),
    (
        "session_planned_length_range",
        "planned_end - starts_at BETWEEN interval '5 minutes' AND interval '240 minutes'",
    ),
]


def measure_ended_sessions(apps, schema_editor):
    Session = apps.get_model("calls", "Session")
    ended = Session.objects.filter(started_at__isnull=False, ended_at__isnull=False)
    changed = []
    for session in ended.only("id", "started_at", "ended_at", "talk_seconds").iterator():
        measured = max(0, int((session.ended_at - session.started_at).total_seconds()))
        if session.talk_seconds is None or session.talk_seconds <= measured:
            session.measured_seconds = measured
            changed.append(session)
    Session.objects.bulk_update(changed, ["measured_seconds"], batch_size=1000)


def add_pg_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, condition in PG_CHECKS:
        schema_editor.execute(
            f"ALTER TABLE calls_session ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID"
        )


def drop_pg_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _condition in PG_CHECKS:
        schema_editor.execute(f"ALTER TABLE calls_session DROP CONSTRAINT IF EXISTS {name}")


def deferred_checks_now(apps, schema_editor):
    """Run the row updates' deferred foreign-key checks now: PostgreSQL refuses
    to ALTER a table with trigger events pending in the same transaction."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0011_session_held_time"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TalkTimeCorrection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "measured_seconds",
                    models.PositiveIntegerField(verbose_name="measured (seconds)"),
                ),
                ("talk_seconds", models.PositiveIntegerField(verbose_name="billed (seconds)")),
                ("reason", models.TextField(verbose_name="why")),
                ("at", models.DateTimeField(verbose_name="when")),
            ],
            options={
                "verbose_name": "talk time correction",
                "verbose_name_plural": "talk time corrections",
            },
        ),
        migrations.AddField(
            model_name="session",
            name="measured_seconds",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="measured talk time (seconds)"
            ),
        ),
        migrations.RunPython(measure_ended_sessions, migrations.RunPython.noop),
        migrations.RunPython(deferred_checks_now, deferred_checks_now),
        migrations.RunPython(add_pg_checks, drop_pg_checks),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True),
                    ("started_at__isnull", True),
                    ("ended_at__gte", models.F("started_at")),
                    _connector="OR",
                ),
                name="session_ends_after_it_started",
            ),
        ),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("talk_seconds__isnull", True),
                    ("measured_seconds__isnull", True),
                    ("talk_seconds__lte", models.F("measured_seconds")),
                    _connector="OR",
                ),
                name="session_talk_within_measured",
            ),
        ),
        migrations.AddField(
            model_name="talktimecorrection",
            name="actor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="talktimecorrection",
            name="session",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="talk_correction",
                to="calls.session",
            ),
        ),
        migrations.AddConstraint(
            model_name="talktimecorrection",
            constraint=models.CheckConstraint(
                condition=models.Q(("talk_seconds__lte", models.F("measured_seconds"))),
                name="talk_correction_not_over_measured",
            ),
        ),
        migrations.AddConstraint(
            model_name="talktimecorrection",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True),
                name="talk_correction_has_a_reason",
            ),
        ),
    ]
