"""The instants at which time-of-day bugs show, for tests that must pass at any hour.

`PINNED_INSTANTS`: fixed instants of the calendar, each named by what it is:
23:30 and 00:30 local time in Kyiv, New York and Los Angeles on a winter
night (a session a few hours ahead lands on another local day, and on
another UTC day), and half an hour before the European and US
daylight-saving changes of 2027, spring forward and fall back (a session a
few hours ahead crosses the change). tests/test_clock.py checks each name
against the zone data, so a wrong instant fails there, not somewhere odd.

Tests where the hour or the calendar day matters opt in with
`@pytest.mark.usefixtures("pinned_clock")` (see conftest): they then run once
on the real clock and once at each instant, the clock moving on from there
(time-machine, tick=True). The rest run once.

`TEST_CLOCK=<ISO instant>` (e.g. `TEST_CLOCK=2027-03-28T00:30:00Z`, half an
hour before Europe springs forward) starts the whole test session at that
instant instead.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

PINNED_INSTANTS: dict[str, datetime] = {
    # Wednesday 13 / Thursday 14 January 2027 (winter time everywhere).
    "kyiv-23:30": datetime(2027, 1, 13, 21, 30, tzinfo=UTC),  # UTC+2
    "kyiv-00:30": datetime(2027, 1, 13, 22, 30, tzinfo=UTC),
    "new-york-23:30": datetime(2027, 1, 14, 4, 30, tzinfo=UTC),  # UTC-5
    "new-york-00:30": datetime(2027, 1, 14, 5, 30, tzinfo=UTC),
    "los-angeles-23:30": datetime(2027, 1, 14, 7, 30, tzinfo=UTC),  # UTC-8
    "los-angeles-00:30": datetime(2027, 1, 14, 8, 30, tzinfo=UTC),
    # Half an hour before the clocks change (Europe: 01:00 UTC; US: 02:00 local).
    "europe-spring-change": datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
    "europe-autumn-change": datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
    "us-spring-change": datetime(2027, 3, 14, 6, 30, tzinfo=UTC),
    "us-autumn-change": datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
}


def pinned_instants() -> dict[str, datetime]:
    return dict(PINNED_INSTANTS)


def clock_from_environment() -> datetime | None:
    """The instant TEST_CLOCK names (must carry an offset), or None."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("TEST_CLOCK needs an offset, e.g. 2026-11-25T23:40:00+02:00")
    return moment
