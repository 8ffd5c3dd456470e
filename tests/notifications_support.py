"""Helpers for the notification tests (not a test module).

`SpoolEmailBackend` records every email it sends as one line in a file, so a
test can count deliveries made by other processes (a real Celery worker).
While the file named by NOTIFY_TEST_PAUSE exists, it stops before sending and
writes NOTIFY_TEST_PAUSE + ".reached", so a test can kill the worker in the
middle of a delivery.

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
        pause = os.environ.get("NOTIFY_TEST_PAUSE")
        for message in email_messages:
            key = message.extra_headers.get("X-Notification-Key", "?")
            if pause and Path(pause).exists():
                Path(pause + ".reached").write_text(key)
                deadline = time.monotonic() + 120
                while Path(pause).exists() and time.monotonic() < deadline:
                    time.sleep(0.1)  # the test kills the worker here
            with spool.open("a") as out:
                out.write(f"{key}\n")
        return len(email_messages)


def spooled(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


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
