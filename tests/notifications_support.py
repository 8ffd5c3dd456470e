"""Helpers for the notification tests (not a test module).

`SpoolEmailBackend` records every email it sends as one line in a file (its
outbox key and Message-ID), so a test can count deliveries made by other
processes (a real Celery worker). While the file named by NOTIFY_TEST_PAUSE
exists, it stops and writes NOTIFY_TEST_PAUSE + ".reached", so a test can kill
the worker in the middle of a delivery: before the email leaves, or after it
left (NOTIFY_TEST_PAUSE_AFTER_SENDING=1) but before the row is marked sent.

`urlpatterns` stands in for the pages' "agent-link" view when it is not wired.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.http import HttpResponse
from django.urls import NoReverseMatch, path, reverse


class SpoolEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        spool = Path(os.environ["NOTIFY_TEST_SPOOL"])
        after = os.environ.get("NOTIFY_TEST_PAUSE_AFTER_SENDING") == "1"
        for message in email_messages:
            key = message.extra_headers.get("X-Notification-Key", "?")
            if not after:
                _pause(key)
            with spool.open("a") as out:
                out.write(f"{key} {message.extra_headers.get('Message-ID', '?')}\n")
            if after:
                _pause(key)
        return len(email_messages)


def _pause(key: str) -> None:
    pause = os.environ.get("NOTIFY_TEST_PAUSE")
    if pause and Path(pause).exists():
        Path(pause + ".reached").write_text(key)
        deadline = time.monotonic() + 120
        while Path(pause).exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # the test kills the worker here


def spooled(path: Path) -> list[str]:
    """The outbox keys of the emails sent, one per email."""
    return [line.split()[0] for line in spooled_lines(path)]


def spooled_lines(path: Path) -> list[str]:
    """'<key> <Message-ID>' per email sent."""
    return path.read_text().splitlines() if path.exists() else []


urlpatterns = [path("agent/link/<str:token>/", lambda r, token: HttpResponse(), name="agent-link")]


@pytest.fixture
def agent_link_view(settings):
    """Make reverse("agent-link") work whether or not the pages wired it yet."""
    try:
        reverse("agent-link", kwargs={"token": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.notifications_support"


@pytest.fixture
def queued(monkeypatch):
    """Delivery tasks queued after commit, collected instead of sent to a broker.

    `queued.run()` delivers them in this process, like a worker would.
    """
    from notifications import services, tasks

    class Queue(list):
        def run(self, now=None):
            outcomes = []
            while self:
                outcomes.append(
                    services.notification_deliver(notification_id=self.pop(0), now=now).outcome
                )
            return outcomes

    queue = Queue()
    monkeypatch.setattr(tasks.deliver, "delay", queue.append)
    return queue
