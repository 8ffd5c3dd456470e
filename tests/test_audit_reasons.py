"""Issue 25 (the walk): the reasons the system writes into the audit trail are
stored as fixed keys and read in each reader's language (calls.models
SYSTEM_REASONS); a person's own words stay as typed."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from calls.models import SYSTEM_REASONS, CallTransition, reason_label
from duty import selectors as duty_selectors

from .flows import book

ROOT = Path(__file__).resolve().parents[1]
# The code that writes audit rows (not the demo seed, whose reasons are people's words).
WRITERS = ["calls", "notifications", "office", "scheduling", "duty", "interpreter_pages"]
LITERAL = re.compile(r"""\breason=(?:reason or )?"([^"]+)\"""")


def _written_reasons() -> set[str]:
    found = set()
    for app in WRITERS:
        for path in (ROOT / app).rglob("*.py"):
            if "management" in path.parts or "migrations" in path.parts:
                continue
            found |= set(LITERAL.findall(path.read_text()))
    return found


def test_every_reason_the_code_writes_has_a_translatable_label():
    written = _written_reasons()
    assert "agent asked" in written and "picked from the proposed times" in written
    assert written - set(SYSTEM_REASONS) == set()


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "picked from the proposed times"), ("ru", "выбрано из предложенного времени")],
)
def test_a_system_reason_reads_in_the_readers_language(language, shown):
    with translation.override(language):
        assert reason_label("picked from the proposed times") == shown
        assert reason_label("She has met someone.") == "She has met someone."


@pytest.mark.django_db
def test_the_duty_timeline_shows_the_reason_in_the_readers_language():
    call = book()
    stored = CallTransition.objects.get(call=call, to_state="awaiting_agent")
    assert stored.reason == "agent asked"  # the key, whatever the language
    with translation.override("ru"):
        details = [event.detail for event in duty_selectors.call_timeline(call)]
        russian = reason_label("agent asked")
    assert russian != "agent asked"
    assert russian in details and "agent asked" not in details
