"""English and Russian: the catalogue is complete, and no page shows an untranslated string.

A page is rendered in both languages; any piece of visible text that comes out
the same in both is either data (names, numbers, codes) or a string someone
forgot to translate.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from agents.links import agent_link_token

from .factories import DutyManagerFactory, InterpreterFactory, OperatorFactory
from .flows import agent_for, book, confirm, schedule
from .pages_helpers import reset_language  # noqa: F401

PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_russian_catalogue_is_complete_and_keeps_placeholders():
    catalogue = polib.pofile(str(PO))
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()
    for entry in catalogue.translated_entries():
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert set(PLACEHOLDER.findall(text)) <= wanted | set(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


class VisibleText(HTMLParser):
    """Text nodes and the labels people read in attributes, outside script and style."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title") and value:
                self.parts.append(value.strip())
            if name == "value" and tag in ("button",) and value:
                pass

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def texts(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    return set(parser.parts)


def is_data(text: str, data: set[str]) -> bool:
    if not re.search(r"[A-Za-z]{2}", text):
        return True  # numbers, dates, punctuation, Cyrillic
    words = re.split(r"[\s·(),:→←—–]+", text)
    return all(
        not word or word in data or re.search(r"[\d@/_.+]", word) or not re.search("[A-Za-z]", word)
        for word in words
    )


def pages_in(client, user, language, urls):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return {url: client.get(url).content.decode() for url in urls}


@pytest.fixture
def scene(db):
    call = book()
    agent = agent_for(call)
    confirm(call, agent=agent)
    interpreter = InterpreterFactory()
    schedule(call, operator=OperatorFactory(), interpreter=interpreter)
    waiting = book(client=call.client, member=call.member)
    DutyManagerFactory()
    return {"call": call, "agent": agent, "interpreter": interpreter, "waiting": waiting}


def data_words(scene) -> set[str]:
    call = scene["call"]
    people = [
        call.client,
        scene["agent"],
        scene["interpreter"],
        *DutyManagerFactory._meta.model.objects.all(),
    ]
    values = ["English", "Olena", "Petrenko", "Agency", "Kharkiv", "CSV", "SMS"]
    for person in people:
        values += [person.first_name, person.last_name, person.username]
    values += call.member.full_name.split() + call.member.agency.name.split()
    values += ["weekday", "evenings", "after"]
    values += call.languages.replace(",", " ").split()  # ISO codes: "en, ru"
    return {v for value in values for v in value.split()}


def untranslated(client, user, urls, data):
    english = pages_in(client, user, "en", urls)
    russian = pages_in(client, user, "ru", urls)
    found = {}
    for url in urls:
        same = texts(english[url]) & texts(russian[url])
        left = sorted(text for text in same if not is_data(text, data))
        if left:
            found[url] = left
    return found


@pytest.fixture(autouse=True)
def compiled_catalogue():
    call_command("compile_translations", verbosity=0)


def test_client_pages_have_no_untranslated_text(client, scene):
    call = scene["call"]
    urls = [
        reverse("client-dashboard"),
        reverse("client-order"),
        reverse("client-balance"),
        reverse("client-call", args=[call.public_id]),
        reverse("client-call", args=[scene["waiting"].public_id]),
    ]
    assert untranslated(client, call.client, urls, data_words(scene)) == {}


def test_agent_pages_have_no_untranslated_text(client, scene):
    urls = [
        reverse("agent-inbox"),
        reverse("agent-call", args=[scene["call"].public_id]),
        reverse("agent-call", args=[scene["waiting"].public_id]),
        reverse("agent-statement"),
    ]
    assert untranslated(client, scene["agent"], urls, data_words(scene)) == {}


def test_interpreter_pages_have_no_untranslated_text(client, scene):
    urls = [
        reverse("interpreter-day"),
        reverse("interpreter-session", args=[scene["call"].public_id]),
    ]
    assert untranslated(client, scene["interpreter"], urls, data_words(scene)) == {}


def test_link_and_sign_in_pages_have_no_untranslated_text(client, scene):
    waiting, agent = scene["waiting"], scene["agent"]
    link = reverse("agent-link", args=[agent_link_token(call=waiting, agent=agent)])
    used = reverse("agent-link", args=[agent_link_token(call=scene["call"], agent=agent)])
    found = {}
    for url in [reverse("login"), link, used, reverse("agent-link", args=["forged"])]:
        pages = {}
        for language in ("en", "ru"):
            agent.language = language
            agent.save(update_fields=["language"])
            client.cookies["django_language"] = language
            pages[language] = client.get(url).content.decode()
        same = texts(pages["en"]) & texts(pages["ru"])
        left = sorted(t for t in same if not is_data(t, data_words(scene)))
        if left:
            found[url] = left
    assert found == {}
