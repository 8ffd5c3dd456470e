"""Every kind of message, in English and Russian, as HTML that passes basic mail-lint
checks (tests/mail_lint.py), with a text part, the call number, the time in the
reader's zone with "in N hours", and the links to act."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from common import dates
from notifications import messages
from notifications.services import render_message

from .factories import DutyManagerFactory, InterpreterFactory, OperatorFactory, aware
from .flows import agent_for, book, confirm, schedule
from .mail_lint import lint, visible_text

pytestmark = pytest.mark.django_db

NOW = aware(2030, 3, 1, 9, 0)
START = NOW + timedelta(hours=5)
EMAIL_DIR = Path(settings.BASE_DIR) / "notifications" / "templates" / "notifications"
TEMPLATES = sorted(p.stem for p in EMAIL_DIR.glob("*.txt") if not p.stem.startswith("_"))


@pytest.fixture(autouse=True)
def compiled_catalogue():
    call_command("compile_translations", verbosity=0)


@pytest.fixture
def scene():
    with time_machine.travel(NOW, tick=False):
        operator = OperatorFactory()
        interpreter = InterpreterFactory(time_zone="Europe/Kyiv")
        call = book()
        agent = agent_for(call)
        confirm(call, agent=agent)
        session = schedule(call, operator=operator, interpreter=interpreter, starts_at=START)
    duty = DutyManagerFactory()
    people = {
        "client": call.client,
        "agent": agent,
        "interpreter": interpreter,
        "operator": operator,
        "duty_manager": duty,
    }
    context = {
        **messages.session_context(session, duty_manager=duty),
        "link": "https://example.org/agent/link/x/",
        "alarm_url": "https://example.org/agent/alarm/x/",
        "agent": agent,
        "minutes_before": 60,
        "hours_before": 1,
        "hours": 1,  # how long sign-in is paused (account_sign_in_paused)
    }
    return people, context


def reader_of(template: str, people):
    if template.startswith("account_"):
        return people["client"]  # about a person's own account: anyone's
    if template.endswith("duty_manager"):
        return people["duty_manager"]
    if template.startswith("agent_") and not template.endswith("operator"):
        return people["agent"]
    return people[template.rsplit("_", 1)[-1]]


def test_every_message_kind_is_covered():
    assert len(TEMPLATES) >= 20
    assert "cancelled_client" in TEMPLATES


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_message_kind_s_html_passes_mail_lint(scene, language):
    people, context = scene
    session = context["session"]
    failures = {}
    with time_machine.travel(NOW, tick=False):
        for template in TEMPLATES:
            reader = reader_of(template, people)
            reader.language = language
            message = render_message(template=template, recipient=reader, context=context)
            problems = lint(message.html, language=language)
            assert message.body.strip(), template  # the text part is never empty
            text = visible_text(message.html)
            if message.subject not in text:
                problems.append("subject missing")
            if context["call"].number not in text:
                problems.append("call number missing")
            with translation.override(language), timezone.override(reader.tz):
                soon = dates.in_words(session.starts_at, now=NOW)
                when = dates.format_moment(session.starts_at, zone=True)
            if soon not in text or when not in text:
                problems.append(f"time missing: {when} / {soon}")
            if language == "ru":
                english = ["Open the call", "Add to calendar", "Answer the request", "Call "]
                problems += [f"English left: {w}" for w in english if w in text]
            if problems:
                failures[template] = problems
    assert not failures, failures


def test_the_html_offers_the_actions_of_its_reader(scene):
    people, context = scene
    call = context["call"]
    with time_machine.travel(NOW, tick=False):
        agent_html = render_message(
            template="agent_request", recipient=people["agent"], context=context
        ).html
        client_html = render_message(
            template="scheduled_client", recipient=people["client"], context=context
        ).html
    assert 'href="https://example.org/agent/link/x/"' in agent_html  # answer the request
    assert f"/client/calls/{call.public_id}/" in client_html  # the call page
    assert f"/calendar/call/{call.public_id}.ics" in client_html  # add to calendar
