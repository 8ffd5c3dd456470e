"""The reports' cohort of calls (requested in a period) read from one index.

The agencies and time-to-a-call reports read the calls requested in a period
with their member, client, state and outcome, and join each to its audit
rows. Through the plain created_at index each of those calls is a heap page
of its own (a month at a million calls: ~28,000 pages), and PostgreSQL
preferred to walk the whole table in id order instead (measured: 0.5-0.8 s
before the first row). This index carries the columns those reports read, so
the month is an index-only range scan of a few hundred pages.

(A partial index of the audit's stage edges was tried as well: PostgreSQL
kept probing the audit's call index, so it is not added.)

PostgreSQL only (INCLUDE); other databases keep the plain index. The index is
named apart from the calls app's own (`call_reports_cohort`) and is not in
any model's state: the calls app does not need it, the reports do.
"""

from django.db import migrations

INDEXES = {
    "call_reports_cohort": (
        "ON calls_call (created_at) INCLUDE (id, member_id, client_id, state, outcome)"
    ),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_unmet_searches"),
        ("calls", "0016_call_languages_pin_only_a_pair"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
