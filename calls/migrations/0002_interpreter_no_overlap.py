"""An interpreter never holds two overlapping sessions, buffer included.

PostgreSQL only (btree_gist exclusion constraint); on SQLite, the development
default, the check in `calls.services.session_schedule` stands alone.
Keep the WHERE list in step with `calls.models.BLOCKING_STATUSES`.
"""
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT_SQL = """
ALTER TABLE calls_session ADD CONSTRAINT session_interpreter_no_overlap
EXCLUDE USING gist (
    interpreter_id WITH =,
    tstzrange(blocked_from, blocked_until, '[)') WITH &&
) WHERE (status IN ('planned', 'overdue', 'in_progress', 'ended'))
"""
DROP_SQL = "ALTER TABLE calls_session DROP CONSTRAINT IF EXISTS session_interpreter_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT_SQL)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
