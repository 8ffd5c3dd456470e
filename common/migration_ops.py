"""Migration operations that exist only on PostgreSQL.

The development default is SQLite, which has no GIN or trigram indexes: these
operations keep the migration state the same everywhere (so makemigrations
stays clean) and touch the database only on PostgreSQL.
"""

from django.db import migrations


class AddIndexOnPostgres(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
