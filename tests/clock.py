"""The instants at which time-of-day bugs show, for tests that must pass at any hour.

`PINNED_INSTANTS`: 23:30 and 00:30 local time in Kyiv, New York and Los
Angeles (a session a few hours ahead lands on another local day, and on
another UTC day), and half an hour before the next European and US
daylight-saving changes, spring and autumn (a session a few hours ahead
crosses the change). All found from the zone data and today's date, so the
check keeps meaning the same thing every year.

Tests opt in with `@pytest.mark.usefixtures("pinned_clock")` (see conftest):
they then run once on the real clock and once at each instant, the clock
moving on from there (time-machine, tick=True).

`TEST_CLOCK=<ISO instant>` (e.g. `TEST_CLOCK=2026-11-25T23:40:00+02:00` for
23:40 Kyiv) starts the whole test session at that instant instead.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .dst import next_change


def _local(day, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def pinned_instants(now: datetime | None = None) -> dict[str, datetime]:
    now = now or datetime.now(UTC)
    instants = {}
    for zone, name in (
        ("Europe/Kyiv", "kyiv"),
        ("America/New_York", "new-york"),
        ("America/Los_Angeles", "los-angeles"),
    ):
        tomorrow = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
        instants[f"{name}-23:30"] = _local(tomorrow, time(23, 30), zone)
        instants[f"{name}-00:30"] = _local(tomorrow + timedelta(days=1), time(0, 30), zone)
    for zone, name in (("Europe/Berlin", "europe"), ("America/New_York", "us")):
        for season in ("spring", "autumn"):
            change = next_change(zone, season, after=now)
            instants[f"{name}-{season}-change"] = change - timedelta(minutes=30)
    return instants


def clock_from_environment() -> datetime | None:
    """The instant TEST_CLOCK names (must carry an offset), or None."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("TEST_CLOCK needs an offset, e.g. 2026-11-25T23:40:00+02:00")
    return moment
