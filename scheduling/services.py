"""Writes of interpreters' working time (the admin saves through its form; pages through here)."""

from __future__ import annotations

from django.db import transaction

from .languages import languages_text, parse_languages
from .models import WorkingTime
from .windows_text import normalise


def working_time_save(*, interpreter, hours: list, extra: list, off: list, languages: str):
    """Store the interpreter's weekly hours, extra hours, time off and languages.

    Raises `WindowError` / `UnknownLanguage` on input the finder couldn't read,
    before anything is written.
    """
    hours, extra, off = normalise(hours), normalise(extra), normalise(off)
    codes = languages_text(parse_languages(languages))
    with transaction.atomic():
        working, _created = WorkingTime.objects.select_for_update().get_or_create(
            interpreter=interpreter
        )
        working.hours, working.extra, working.off = hours, extra, off
        working.save(update_fields=["hours", "extra", "off", "updated_at"])
        interpreter.languages = codes
        interpreter.save(update_fields=["languages"])
    return working
