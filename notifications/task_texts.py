"""What an operator task says, in the language of whoever reads it.

A task is opened by a sweep or a signal, in no one's language, and read later
by operators who work in English or in Russian. So a task keeps its message
(the English msgid) and the values that fill it, and is written out when it
is shown (`task_text`); `summary` keeps the English text as well, for the
admin's search and for tasks opened before this existed.

Values are JSON: plain text and numbers as they are, and three kinds that are
written in the reader's language when shown:
- `{"t": msgid, "p": {...}}` a piece of text with its own values;
- `{"credits": "12.50"}` an amount (billing.formatting.credits);
- `{"moment": "2026-12-03T10:00:00+00:00"}` a time, by the date policy in
  the reader's zone (common/dates.py); the kept English text has it in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from billing.formatting import credits
from common import dates


def piece(msgid: str, **params) -> dict:
    """A part of a task's text with its own values (e.g. "Reason: %(reason)s")."""
    return {"t": msgid, "p": params}


def amount(value) -> dict:
    return {"credits": str(value)}


def _value(value, zone):
    if isinstance(value, dict):
        if "t" in value:
            return say(value["t"], value.get("p") or {}, zone=zone)
        if "credits" in value:
            return credits(value["credits"])
        if "moment" in value:
            when = datetime.fromisoformat(value["moment"])
            return dates.format_datetime(when, relative=False, zone=zone)
    return value


def say(msgid: str, params: dict, *, zone: bool | None = None) -> str:
    """The message in the active language, its values written the same way
    (times in the active zone; `zone=True` names it)."""
    return gettext(msgid) % {name: _value(value, zone) for name, value in params.items()}


def task_summary(msgid: str, **params) -> dict:
    """The fields of an operator task that say what to do: the message, its
    values, and the text kept with them (the site's language, times in UTC)."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(UTC):
        text = say(msgid, params, zone=True)
    return {"summary": text, "summary_msgid": msgid, "summary_params": params}


def task_text(task) -> str:
    """What `task` says, in the active language (its stored text if it has no message)."""
    if not task.summary_msgid:
        return task.summary
    try:
        return say(task.summary_msgid, task.summary_params or {})
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a value
        return task.summary
