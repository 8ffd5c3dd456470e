"""The reports' cohort index carries the calls' stage times (issue 24).

Agencies (time to the agent's answer) and time to a call joined the calls
requested in a period to their audit rows; for a quarter at a million calls
(94,000 calls) PostgreSQL hashed the whole audit (4.5 million rows): 1.4-3.7 s.
The stage times are now on the call (calls.0019), and the cohort index
includes them, so both reports read one index range and no audit row:
`call_reports_stages` replaces reports.0002's `call_reports_cohort`.

Built CONCURRENTLY (outside a transaction) so that calls can still be booked
while it is built (~15 s at a million calls); inside a transaction (bench_reports
applies a database's missing migrations so) a plain CREATE INDEX. PostgreSQL
only (INCLUDE), like reports.0002; table and column names from `_meta`.
"""

from django.db import migrations

OLD = ("call_reports_cohort", ["id", "member", "client", "state", "outcome"])
NEW = (
    "call_reports_stages",
    [*OLD[1], "confirmed_at", "scheduled_at", "held_at", "picked_by_client"],
)


def _replace(made, dropped):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        meta = apps.get_model("calls", "Call")._meta
        quote = schema_editor.quote_name
        concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
        name, columns = made
        included = ", ".join(quote(meta.get_field(column).column) for column in columns)
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {quote(name)} ON {quote(meta.db_table)} "
            f"({quote(meta.get_field('created_at').column)}) INCLUDE ({included})"
        )
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {quote(dropped[0])}")

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0002_reports_speed"),
        ("calls", "0019_call_stage_times"),
    ]

    operations = [migrations.RunPython(_replace(NEW, OLD), _replace(OLD, NEW), elidable=False)]
