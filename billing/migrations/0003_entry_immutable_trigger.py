"""On PostgreSQL the database itself refuses to change or delete a ledger entry.

(TRUNCATE, used to reset test databases, does not fire row triggers.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable: correct them with an adjustment';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_entry_immutable
    BEFORE UPDATE OR DELETE ON billing_entry
    FOR EACH ROW EXECUTE FUNCTION billing_entry_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_entry_immutable ON billing_entry;
DROP FUNCTION IF EXISTS billing_entry_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_seed_tariffs")]

    operations = [migrations.RunPython(forwards, backwards)]
