"""Existing calls: the zone their free-text times were written in, and languages as codes.

Free text (preferred times, the member's availability) stays as it was and is
still shown; windows start empty. Languages written as words ("English,
Russian", "en-ru") become codes ("en, ru"); text that is no language is kept.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from scheduling.languages import UnknownLanguage, languages_text, parse_languages

    Call = apps.get_model("calls", "Call")
    AgentConfirmation = apps.get_model("calls", "AgentConfirmation")
    for call in Call.objects.select_related("client").iterator():
        call.client_time_zone = call.client.time_zone
        try:
            call.languages = languages_text(parse_languages(call.languages))
        except UnknownLanguage:
            pass
        call.save(update_fields=["client_time_zone", "languages"])
    for confirmation in AgentConfirmation.objects.select_related("call__member").iterator():
        confirmation.member_time_zone = confirmation.call.member.time_zone
        confirmation.save(update_fields=["member_time_zone"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0009_windows_and_zones"),
        ("accounts", "0002_user_languages_spoken"),
        ("agents", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
