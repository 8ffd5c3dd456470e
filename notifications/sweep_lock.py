"""Sweeps that may be started twice: two beats, four workers, nothing done twice.

Two guards, in this order:
- once per tick: the first sweep task of a tick (`NOTIFY_SWEEP_EVERY_SECONDS`)
  claims it in the shared cache (Redis in production, `cache.add` is atomic);
  a second beat's task for the same tick finds it claimed and does nothing;
- one at a time: a PostgreSQL advisory lock (session level, taken with
  `pg_try_advisory_lock`) is held while the sweep runs; a sweep that finds it
  taken (a long cold sweep still running into the next tick) does nothing.
  PostgreSQL releases it when the holder's connection ends, so a worker killed
  mid-sweep never leaves it held.

Neither guard is what keeps a message single: that is the outbox's unique key
and the workflow's row locks (a sweep that ran twice anyway records nothing
twice, see tests/test_sweeps_doubled.py). The guards only save the work. A
worker killed mid-sweep loses nothing: each batch is its own transaction, so
the batch it was in rolls back and is still due at the next tick; the batches
before it are committed with their messages.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable 32-bit key for the advisory lock (PostgreSQL's lock space is shared)."""
    return zlib.crc32(f"sweep:{name}".encode())


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Hold the sweep's advisory lock while inside; yields False if another has it.
    Not PostgreSQL (SQLite in development, one beat): always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def first_of_tick(name: str, now: datetime, every_seconds: int) -> bool:
    """Claim this tick for `name`; False if another beat's task claimed it first.
    If the cache can't be reached, sweep anyway (sweeps are safe twice)."""
    tick = int(now.timestamp()) // max(every_seconds, 1)
    try:
        return cache.add(f"sweep-tick:{name}:{tick}", 1, timeout=every_seconds * 3)
    except Exception:  # noqa: BLE001 - a cache outage must not stop the sweeps
        logger.warning("sweep %s: cache unreachable, sweeping without the tick claim", name)
        return True
