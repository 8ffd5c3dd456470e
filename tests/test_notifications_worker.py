"""A real Celery worker on a real Redis, killed with SIGKILL mid-delivery, then
restarted: every message recorded once is delivered, at least once, and a
copy a worker death causes carries the same Message-ID.

The worker runs in its own process against this test's PostgreSQL database
and records each email it sends as a line in a spool file
(tests.notifications_support.SpoolEmailBackend), so deliveries can be counted
across processes. While the pause file exists, the backend stops before
sending; the test kills the worker there: before the email left (it is then sent once) or after it
left and before the row was marked (it is then sent again, with the same
Message-ID, which mail systems drop). Redis holds the killed task
unacknowledged; it is handed out again (the visibility timeout is shortened
to a few seconds here, one hour in production) and the re-queue sweep queues
the row as well, so the row is offered twice once its claim has lapsed (also
shortened, to LEASE seconds).
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
from notifications.channels import message_id_for
from notifications.models import Notification, NotificationStatus

from .factories import ClientFactory
from .flows import book
from .notifications_support import spooled, spooled_lines

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

VISIBILITY_TIMEOUT = 3
LEASE = 4  # NOTIFY_STUCK_AFTER_SECONDS for the worker: a dead worker's claim lapses
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


@pytest.mark.parametrize("moment", ["before sending", "after sending"])
def test_worker_killed_mid_delivery_then_restarted_delivers_every_message(
    tmp_path, monkeypatch, moment
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
        "NOTIFY_TEST_PAUSE_AFTER_SENDING": "1" if moment == "after sending" else "0",
        "NOTIFY_STUCK_AFTER_SECONDS": str(LEASE),
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
        assert spooled(spool) == ([] if moment == "before sending" else [killed_key])
        # The claim was committed before the send: the row is pending, claimed, counted.
        killed = Notification.objects.get(key=killed_key)
        assert killed.status == NotificationStatus.PENDING
        assert killed.claimed_until is not None and killed.attempts == 1

        # Restart once Redis considers the held task lost and the claim has lapsed.
        pause.unlink()
        wait_for(
            lambda: time.monotonic() - killed_at > max(VISIBILITY_TIMEOUT, LEASE) + 0.5,
            timeout=10,
            what="the visibility timeout and the claim",
        )
        worker.start()
        # And the outbox's own safety net queues the stuck row too.
        monkeypatch.setattr(tasks.deliver, "delay", to_redis)
        later = timezone.now() + timedelta(seconds=settings.NOTIFY_STUCK_AFTER_SECONDS + 1)
        assert sweeps.requeue_stuck(now=later) >= 1

        wait_for(lambda: keys <= set(spooled(spool)), timeout=45, what="all three deliveries")
        wait_for(
            lambda: set(Notification.objects.filter(key__in=keys).values_list("status", flat=True))
            == {NotificationStatus.SENT},
            timeout=20,
            what="every row marked sent",
        )
    finally:
        worker.stop()
        broker.default_channel.queue_delete(queue)
        broker.release()
        print(log.read_text() if log.exists() else "no worker log")  # shown if the test fails

    sent = Counter(spooled(spool))
    assert keys <= set(sent)
    copies = 1 if moment == "before sending" else 2
    assert {key: sent[key] for key in keys} == {
        key: copies if key == killed_key else 1 for key in keys
    }, sent
    assert all(count == 1 for key, count in sent.items() if key not in keys), sent
    # Every copy of a row carries the Message-ID derived from its key.
    ids = {line.split()[0]: set() for line in spooled_lines(spool)}
    for line in spooled_lines(spool):
        key, message_id = line.split()
        ids[key].add(message_id)
    assert ids == {key: {message_id_for(key)} for key in ids}
