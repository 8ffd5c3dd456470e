"""The pinned instants are what their names say (tests/clock.py), by the zone data."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from .clock import PINNED_INSTANTS

ZONES = {
    "kyiv": "Europe/Kyiv",
    "new-york": "America/New_York",
    "los-angeles": "America/Los_Angeles",
}
CHANGES = {"europe": "Europe/Berlin", "us": "America/New_York"}


@pytest.mark.parametrize("name", [n for n in PINNED_INSTANTS if not n.endswith("-change")])
def test_a_local_time_instant_is_that_time_in_its_zone(name):
    place, clock = name.rsplit("-", 1)
    local = PINNED_INSTANTS[name].astimezone(ZoneInfo(ZONES[place]))
    assert local.time() == time.fromisoformat(clock)


@pytest.mark.parametrize("name", [n for n in PINNED_INSTANTS if n.endswith("-change")])
def test_a_change_instant_is_half_an_hour_before_the_clocks_change(name):
    region, season, _change = name.split("-")
    zone = ZoneInfo(CHANGES[region])
    moment = PINNED_INSTANTS[name]
    before = moment.astimezone(zone).utcoffset()
    after = (moment + timedelta(hours=1)).astimezone(zone).utcoffset()
    assert (after > before) if season == "spring" else (after < before)
    # Still the old offset 29 minutes on: the change is at the half hour, not before.
    assert (moment + timedelta(minutes=29)).astimezone(zone).utcoffset() == before
