"""Forms people fill in: every control has a label, errors are tied to their field."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services

from .factories import ClientFactory, InterpreterFactory, MemberFactory, OperatorFactory
from .flows import agent_for, book, confirm, schedule
from .pages_helpers import reset_language  # noqa: F401

pytestmark = pytest.mark.django_db


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.ids, self._label_depth = [], set(), set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            self.controls.append((attrs, self._label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1


def check(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    problems = []
    for attrs, wrapped in parser.controls:
        name = attrs.get("name")
        if not (wrapped or attrs.get("id") in parser.label_for or attrs.get("aria-label")):
            problems.append(f"{name}: no label")
        for ref in (attrs.get("aria-describedby") or "").split():
            if ref not in parser.ids:
                problems.append(f"{name}: describedby {ref} missing")
    return problems


def test_sign_in_form(client):
    assert check(client.get(reverse("login")).content.decode()) == []


def test_order_form_with_errors(client):
    client.force_login(ClientFactory())
    MemberFactory()
    page = client.post(reverse("client-order"), {"planned_minutes": "1", "step": "preview"})
    html = page.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    assert check(html) == []


def test_agent_form_with_errors(client):
    call = book()
    agent = agent_for(call)
    client.force_login(agent)
    url = reverse("agent-call", args=[call.public_id])
    assert check(client.get(url).content.decode()) == []
    page = client.post(
        url,
        {
            "numbers-TOTAL_FORMS": "3",
            "numbers-INITIAL_FORMS": "0",
            "answer": "yes",
            "numbers-0-role": "member",
            "numbers-0-number": "123",
        },
    )
    html = page.content.decode()
    assert 'aria-invalid="true"' in html
    assert check(html) == []


def test_interpreter_session_form_with_errors(client):
    call = book()
    confirm(call)
    interpreter = InterpreterFactory()
    session = schedule(
        call,
        operator=OperatorFactory(),
        interpreter=interpreter,
        starts_at=timezone.now() + timedelta(minutes=10),
    )
    services.session_start(session=session, actor=interpreter)
    client.force_login(interpreter)
    page = client.post(reverse("interpreter-session-end", args=[call.public_id]), {})
    html = page.content.decode()
    assert 'aria-invalid="true"' in html
    assert check(html) == []
