"""Rows from calls.Recording (plain files) as legacy recordings to seal; the
listening log and the history append-only in the database too; the default
retention policy (180 days after the call is settled)."""

import uuid
from datetime import UTC, datetime

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION recordings_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the recordings log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER recordings_access_append_only
    BEFORE UPDATE OR DELETE ON recordings_recordingaccess
    FOR EACH ROW EXECUTE FUNCTION recordings_append_only();
CREATE TRIGGER recordings_event_append_only
    BEFORE UPDATE OR DELETE ON recordings_recordingevent
    FOR EACH ROW EXECUTE FUNCTION recordings_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS recordings_access_append_only ON recordings_recordingaccess;
DROP TRIGGER IF EXISTS recordings_event_append_only ON recordings_recordingevent;
DROP FUNCTION IF EXISTS recordings_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)
    apps.get_model("recordings", "RetentionPolicy").objects.create(
        effective_from=datetime(2000, 1, 1, tzinfo=UTC),
        keep_days=180,
        note="Default: 180 days after the call is settled (SPEC Privacy).",
    )
    Old = apps.get_model("calls", "Recording")
    New = apps.get_model("recordings", "Recording")
    for old in Old.objects.all().iterator():
        New.objects.create(
            public_id=uuid.uuid4(),
            session_id=old.session_id,
            legacy_name=old.file.name,
            uploaded_by_id=old.uploaded_by_id,
            uploaded_at=old.uploaded_at,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0001_initial"),
        ("calls", "0012_talk_time_measured"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
