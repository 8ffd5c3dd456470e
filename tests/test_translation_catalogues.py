"""The Russian catalogues hold each message once (branches that merge their
.po files as a union can bring the same entry twice, and GNU msgfmt refuses it)."""

from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(
    p
    for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po")
    if ".venv" not in p.parts and "site-packages" not in p.parts
)


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_message_is_in_its_catalogue_once(path):
    entries = Counter((e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete)
    assert [key for key, n in entries.items() if n > 1] == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_plural_message_has_every_form_its_catalogue_declares(path):
    """GNU msgfmt refuses a catalogue whose plural messages have fewer forms
    than its Plural-Forms header says (Russian: four, the fourth for fractions)."""
    catalogue = polib.pofile(str(path))
    declared = catalogue.metadata.get("Plural-Forms", "")
    forms = int(declared.split("nplurals=")[1].split(";")[0]) if "nplurals=" in declared else 2
    short = [
        entry.msgid[:60]
        for entry in catalogue
        if entry.msgid_plural and not entry.obsolete and len(entry.msgstr_plural) != forms
    ]
    assert short == []
