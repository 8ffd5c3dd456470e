"""A real Celery worker on a real Redis, killed with SIGKILL mid-delivery, then
restarted: every message is still delivered exactly once.

The worker runs in its own process against this test's PostgreSQL database
and records each email it sends as a line in a spool file
(tests.notifications_support.SpoolEmailBackend), so deliveries can be counted
across processes. While the pause file exists, the backend stops before
sending; the test kills the worker there. Redis then holds the killed task
unacknowledged; it is handed out again (the visibility timeout is shortened
to a few seconds here, one hour in production) and the re-queue sweep queues
the row as well, so the row is offered twice: it must be sent once.
Everything is bounded: the test gives up after about a minute.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from notifications import services, sweeps, tasks
from notifications.models import Notification, NotificationStatus

from .factories import ClientFactory
from .flows import book
from .notifications_support import spooled

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

VISIBILITY_TIMEOUT = 3
BASE_DIR = Path(settings.BASE_DIR)


def wait_for(condition, *, timeout, what):
    """Poll another process's progress (not a schedule) until `condition()` or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, *, queue: str, env: dict, log: Path):
        self.queue, self.env, self.log = queue, env, log
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:4]}@%h",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def test_worker_killed_mid_delivery_then_restarted_delivers_each_message_once(
    tmp_path, monkeypatch
):
    redis_url = os.environ["TEST_REDIS_URL"]
    queue = f"notify-test-{uuid.uuid4().hex[:8]}"
    spool, pause, log = tmp_path / "spool", tmp_path / "pause", tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "EMAIL_BACKEND": "tests.notifications_support.SpoolEmailBackend",
        "NOTIFY_TEST_SPOOL": str(spool),
        "NOTIFY_TEST_PAUSE": str(pause),
        "PYTHONPATH": str(BASE_DIR),
    }

    # Three messages recorded; their queued tasks are kept back to send to Redis.
    held = []
    monkeypatch.setattr(tasks.deliver, "delay", held.append)
    call = book()
    held.clear()  # the agent's request: not part of this test
    services.notify(
        kind="worker_test",
        template="declined_client",
        recipients=[ClientFactory() for _ in range(3)],
        context={"call": call, "member": call.member, "agency": call.member.agency},
        call=call,
    )
    assert len(held) == 3
    keys = set(Notification.objects.filter(kind="worker_test").values_list("key", flat=True))

    broker = Connection(redis_url)

    def to_redis(pk):
        tasks.deliver.apply_async(args=[pk], queue=queue, connection=broker)

    worker = Worker(queue=queue, env=env, log=log)
    try:
        pause.touch()
        worker.start()
        for pk in held:
            to_redis(pk)

        # The worker has claimed one row and is inside the send: kill it there.
        reached = Path(f"{pause}.reached")
        wait_for(reached.exists, timeout=30, what="the worker to start a delivery")
        killed_key = reached.read_text()
        killed_at = time.monotonic()
        worker.kill()
        assert spooled(spool) == []
        # Its transaction died with it: the row is pending and not locked.
        killed = Notification.objects.get(key=killed_key)
        assert killed.status == NotificationStatus.PENDING

        # Restart once Redis considers the held task lost, so it is handed out again.
        pause.unlink()
        wait_for(
            lambda: time.monotonic() - killed_at > VISIBILITY_TIMEOUT + 0.5,
            timeout=10,
            what="the visibility timeout",
        )
        worker.start()
        # And the outbox's own safety net queues the stuck row too.
        monkeypatch.setattr(tasks.deliver, "delay", to_redis)
        later = timezone.now() + timedelta(seconds=settings.NOTIFY_STUCK_AFTER_SECONDS + 1)
        assert sweeps.requeue_stuck(now=later) >= 1

        wait_for(lambda: keys <= set(spooled(spool)), timeout=45, what="all three deliveries")
        # The row was offered at least twice after the kill; the extra offer must not send.
        wait_for(
            lambda: f"notification {killed.pk} already sent" in log.read_text(),
            timeout=20,
            what="the second offer of the killed task to be refused",
        )
    finally:
        worker.stop()
        broker.default_channel.queue_delete(queue)
        broker.release()
        print(log.read_text() if log.exists() else "no worker log")  # shown if the test fails

    sent = Counter(spooled(spool))
    assert keys <= set(sent)
    assert set(sent.values()) == {1}, sent  # nothing twice (the agent's request included)
    statuses = Notification.objects.filter(key__in=keys).values_list("status", flat=True)
    assert set(statuses) == {NotificationStatus.SENT}
