"""A call's `languages` now holds only the pair the call pins (issue 25 item 4).

Calls booked before stored the union of the client's and the member's languages
("de, en, ru, uk") when nothing was given, which asked for an interpreter who
speaks all of them. Those defaults are cleared: the finder now looks for one
language of the client and one of the member. A pair someone typed stays.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from scheduling.languages import languages_text, read_stored

    Call = apps.get_model("calls", "Call")
    for call in (
        Call.objects.exclude(languages="").select_related("client", "member").iterator()
    ):
        union = dict.fromkeys(
            (*sorted(read_stored(call.client.languages)), *sorted(read_stored(call.member.languages)))
        )
        if call.languages == languages_text(tuple(union)):
            call.languages = ""
            call.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [("calls", "0015_scale_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
