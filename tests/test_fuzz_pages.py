"""Fuzzing beyond the API schema: every form of the pages and the admin.

Each role's pages are crawled from its home (bounded: at most CRAWL_PAGES
pages per role, links under its own prefix); every POST form found is sent
back with hostile values, field by field and all fields at once. No answer
may be a 5xx. A bounded, deterministic run for CI (a few tens of seconds);
explore further with FUZZ_CRAWL_PAGES=200.
"""

import os
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import InterpreterFactory, OperatorFactory
from .flows import agent_for, book, confirm, fund_client, schedule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CRAWL_PAGES = int(os.environ.get("FUZZ_CRAWL_PAGES", "30"))
HUGE = "100000000000000000000"  # 10**20: beyond every integer column
# Hostile values by the kind of field, each sent with the form's other fields
# valid (so it reaches the service), then a few sent in every field at once.
HOSTILE = {
    "number": ["-1", HUGE, "-" + HUGE, "1e309", "NaN", "0.0000000001", "١٢٣"],
    "datetime": ["9999-12-31T23:59", "0001-01-01T00:00", "2026-02-30T25:61", "x"],
    "select": [HUGE, "-1", "Etc/Unknown", "\x00"],
    "text": ["x" * 5000, "\x00", "<script>alert(1)</script>", "9999-12-31", HUGE, "C-" + HUGE],
}
EVERYWHERE = ["", "x" * 5000, "\x00", HUGE]
# A plausible valid value for an empty field of each input type.
SOON = date.today() + timedelta(days=7)
PLAUSIBLE = {
    "number": "1",
    "datetime-local": f"{SOON.isoformat()}T10:00",
    "date": SOON.isoformat(),
    "time": "10:00",
    "email": "fuzz@example.org",
}
KIND_OF = {"number": "number", "datetime-local": "datetime", "date": "datetime", "time": "datetime"}
# Links not worth following (they end the session or only change the language).
SKIP = re.compile(r"logout|/language/|/i18n/|/delete/|\.csv|/recording/|/static/|/media/")


class _Page(HTMLParser):
    """The page's links and its POST forms (action, fields with current values)."""

    def __init__(self):
        super().__init__()
        self.links, self.forms = [], []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "kinds": {}}
            self.forms.append(self._form)
        elif tag == "option" and self._form is not None and self._select:
            current = self._form["fields"][self._select]
            # The selected choice, else the first real one: the rest of the form is valid.
            if a.get("value") and ("selected" in a or not current):
                self._form["fields"][self._select] = a["value"]
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            kind = a.get("type") or "text"
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].setdefault(a["name"], None)
                return
            value = a.get("value") or ("" if kind == "hidden" else PLAUSIBLE.get(kind, "fuzz"))
            self._form["fields"][a["name"]] = value
            if kind != "hidden":
                self._form["kinds"][a["name"]] = KIND_OF.get(kind, "text")
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], None)
            self._form["kinds"][a["name"]] = "select"
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
            self._form["kinds"][a["name"]] = "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def close(self):
        super().close()
        for form in self.forms:
            for name, value in form["fields"].items():
                if value == "" and form["kinds"].get(name) == "text":
                    form["fields"][name] = "fuzz"


def _crawl(browser, starts, prefix):
    """Pages reachable from `starts` under `prefix`: {url: parsed page}."""
    seen, queue, pages = set(), list(starts), {}
    while queue and len(pages) < CRAWL_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        answer = browser.get(url)
        assert answer.status_code < 500, (url, answer.status_code)
        if answer.status_code != 200 or "html" not in answer.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(answer.content.decode())
        page.close()
        pages[url] = page
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            # Lists sorted and filtered every way would use up the budget.
            if (
                parts.netloc in ("", "testserver")
                and parts.path.startswith(prefix)
                and not SKIP.search(parts.path)
                and not parts.query
                and target not in seen
            ):
                queue.append(parts.path)
    return pages


def _submissions(form):
    """Hostile variations of one form: field by field, then all fields at once."""
    base = {k: v for k, v in form["fields"].items() if v is not None}
    for name, kind in form["kinds"].items():
        for value in HOSTILE[kind]:
            yield {**base, name: value}
    for value in EVERYWHERE:
        yield {**base, **{name: value for name in form["kinds"]}}


def _fuzz(browser, starts, prefix):
    failures, sent = [], 0
    for url, page in _crawl(browser, starts, prefix).items():
        for form in page.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            if SKIP.search(action):
                continue
            for data in _submissions(form):
                answer = browser.post(action, data)
                sent += 1
                if answer.status_code >= 500:
                    failures.append((action, {k: v[:40] for k, v in data.items()}))
    return failures, sent


@pytest.fixture
def world():
    operator = OperatorFactory()
    interpreter = InterpreterFactory()
    first = book()
    fund_client(first.client, 10_000)
    confirmed = book(client=first.client, member=first.member, fund=False)
    confirm(confirmed)
    scheduled = book(client=first.client, member=first.member, fund=False)
    confirm(scheduled)
    schedule(scheduled, operator=operator, interpreter=interpreter)
    return {
        "client": first.client,
        "agent": agent_for(first),
        "interpreter": interpreter,
        "operator": operator,
        "calls": (first, confirmed, scheduled),
    }


# The operators' own pages first (the crawl's budget is spent in order).
OPERATOR_STARTS = [
    "/admin/office/book/",
    lambda w: f"/admin/calls/call/{w['calls'][0].pk}/confirm/",
    lambda w: f"/admin/calls/call/{w['calls'][1].pk}/schedule/",
    lambda w: f"/admin/calls/call/{w['calls'][2].pk}/schedule/",
    lambda w: f"/admin/calls/call/{w['calls'][2].pk}/change/",
    "/admin/billing/account/top-up/",
    "/admin/billing/account/adjust/",
    lambda w: f"/admin/accounts/user/{w['client'].pk}/change/",
    "/admin/",
]


def _signed_in(user):
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(
    ("role", "starts", "prefix"),
    [
        ("client", ["/client/"], "/client/"),
        ("agent", ["/agent/"], "/agent/"),
        ("interpreter", ["/interpreter/"], "/interpreter/"),
        ("operator", OPERATOR_STARTS, "/admin/"),
    ],
    ids=["client", "agent", "interpreter", "operator"],
)
def test_no_form_of_the_pages_or_admin_answers_5xx(world, role, starts, prefix):
    starts = [start(world) if callable(start) else start for start in starts]
    failures, sent = _fuzz(_signed_in(world[role]), starts, prefix)
    assert sent > 0
    assert not failures, failures[:10]


def test_the_sign_in_forms_answer_hostile_input_without_5xx():
    failures, sent = [], 0
    for path in ("/login/", "/admin/login/"):
        browser = Client(raise_request_exception=False)
        page = _Page()
        page.feed(browser.get(path).content.decode())
        page.close()
        for form in page.forms:
            for data in _submissions(form):
                sent += 1
                if browser.post(path, data).status_code >= 500:
                    failures.append((path, data))
    assert sent > 0
    assert not failures, failures[:10]
