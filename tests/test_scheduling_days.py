"""The finder's calendar answer (`find_slot_days`): every start of the horizon,
by the days of the viewer's zone, bounded per day, in one pure call.

The properties against the brute force are in test_scheduling_properties.py;
these are hand-made cases whose expectations are worked out in the zone and on
the dates concerned.
"""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.finder import (
    INTERPRETERS_BUSY,
    NO_COMMON_TIME,
    NO_INTERPRETER_FOR_LANGUAGES,
    CallNeeds,
    InterpreterTime,
    Party,
    SearchRules,
    find_slot_days,
    find_slots,
)
from scheduling.windows import parse_windows

from .test_scheduling_properties import scenarios

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = parse_windows([{"days": EVERY_DAY, "from": "00:00", "to": "24:00"}])


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days_of(now, *, day_zone="UTC", interpreters=None, client=None, member=None, **rules):
    rules = {"min_notice_minutes": 0, "horizon_days": 3, "step_minutes": 60, **rules}
    return find_slot_days(
        now=now,
        call=CallNeeds("phone_direct", 30),
        client=client or Party("UTC", ALWAYS),
        member=member or Party("UTC", ALWAYS),
        interpreters=interpreters or [InterpreterTime(1, "UTC", hours=ALWAYS)],
        rules=SearchRules(**rules),
        day_zone=day_zone,
    )


def test_every_start_of_the_horizon_by_the_viewers_days():
    # Now is 22:00 UTC on Monday 7 June 2027: 01:00 on Tuesday in Kyiv (UTC+3).
    result = days_of(utc(2027, 6, 7, 22), day_zone="Europe/Kyiv", horizon_days=2)
    kyiv = zoneinfo.ZoneInfo("Europe/Kyiv")
    # Starts 22:00 UTC Mon .. 21:00 UTC Wed, hourly: 48 of them.
    assert len(result.slots) == 48
    assert [d.day for d in result.days] == [date(2027, 6, 8), date(2027, 6, 9), date(2027, 6, 10)]
    for day in result.days:
        assert {s.starts_at.astimezone(kyiv).date() for s in day.slots} == {day.day}
    # Tuesday in Kyiv: 01:00 .. 23:00 (23 starts); Thursday: 00:00 only (21:00 UTC Wed).
    assert [len(d.slots) for d in result.days] == [23, 24, 1]
    assert (result.first_day, result.last_day) == (date(2027, 6, 8), date(2027, 6, 10))
    assert result.reason is None and result.message is None


def test_the_same_starts_and_interpreters_as_find_slots_without_a_limit():
    busy = (utc(2027, 6, 8, 10), utc(2027, 6, 8, 11))
    one = InterpreterTime(1, "Europe/Kyiv", hours=ALWAYS, sessions=(busy,))
    # Two works 09:00-17:00 in New York and has no session: they take the
    # starts they can (fewer sessions that week), one takes the rest.
    two = InterpreterTime(
        2,
        "America/New_York",
        hours=parse_windows([{"days": EVERY_DAY, "from": "09:00", "to": "17:00"}]),
    )
    now = utc(2027, 6, 7, 9, 10)
    kwargs = {
        "now": now,
        "call": CallNeeds("phone_direct", 30),
        "client": Party("UTC", ALWAYS),
        "member": Party("UTC", ALWAYS),
        "interpreters": [one, two],
    }
    rules = SearchRules(min_notice_minutes=30, horizon_days=4, step_minutes=15, buffer_minutes=15)
    every = find_slots(**kwargs, rules=SearchRules(**{**rules.__dict__, "limit": 10_000}))
    by_day = find_slot_days(**kwargs, rules=rules, day_zone="Asia/Kolkata")
    assert by_day.slots == every.slots
    assert {s.interpreter for s in by_day.slots} == {1, 2}


def test_a_day_holds_at_most_per_day_starts_and_counts_the_rest():
    result = days_of(utc(2027, 6, 7), step_minutes=15, per_day=10, horizon_days=1)
    (day,) = result.days
    assert [s.starts_at for s in day.slots] == [
        utc(2027, 6, 7) + timedelta(minutes=15 * k) for k in range(10)
    ]
    assert day.more == 96 - 10


def test_no_start_says_why_and_still_gives_the_horizon():
    now = utc(2027, 6, 7, 12)
    apart = days_of(
        now,
        client=Party("UTC", parse_windows([{"days": EVERY_DAY, "from": "08:00", "to": "09:00"}])),
        member=Party("UTC", parse_windows([{"days": EVERY_DAY, "from": "10:00", "to": "11:00"}])),
    )
    assert (apart.days, apart.reason) == ((), NO_COMMON_TIME)
    assert (apart.first_day, apart.last_day) == (date(2027, 6, 7), date(2027, 6, 10))
    assert apart.message
    booked = InterpreterTime(
        1, "UTC", hours=ALWAYS, sessions=((now - timedelta(days=1), now + timedelta(days=9)),)
    )
    assert days_of(now, interpreters=[booked]).reason == INTERPRETERS_BUSY
    interpreted = find_slot_days(
        now=now,
        call=CallNeeds("video", 30, frozenset({"en", "ja"})),
        client=Party("UTC", ALWAYS),
        member=Party("UTC", ALWAYS),
        interpreters=[InterpreterTime(1, "UTC", frozenset({"en", "ru"}), hours=ALWAYS)],
    )
    assert interpreted.reason == NO_INTERPRETER_FOR_LANGUAGES


def test_days_follow_the_viewers_clock_across_a_dst_change():
    # New York springs forward on Sunday 14 March 2027 at 07:00 UTC (02:00 -> 03:00).
    result = days_of(utc(2027, 3, 13, 12), day_zone="America/New_York", horizon_days=2)
    new_york = zoneinfo.ZoneInfo("America/New_York")
    by_day = {d.day: [s.starts_at.astimezone(new_york).hour for s in d.slots] for d in result.days}
    assert by_day[date(2027, 3, 14)] == [0, 1, *range(3, 24)]  # no 02:00 that day
    assert by_day[date(2027, 3, 13)] == list(range(7, 24))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from(["UTC", "Europe/Kyiv", "America/New_York", "Asia/Kolkata"]))
def test_days_hold_exactly_find_slots_unlimited_answer(scenario, day_zone):
    """Whatever the windows, zones, sessions and DST: the days hold the starts
    and interpreters of `find_slots` with no limit, each on its viewer's day,
    and the same reason when there is none."""
    now, call, client, member, interpreters, rules = scenario
    given_args = {
        "now": now,
        "call": call,
        "client": client,
        "member": member,
        "interpreters": interpreters,
    }
    every = find_slots(**given_args, rules=SearchRules(**{**rules.__dict__, "limit": 100_000}))
    unbounded = SearchRules(**{**rules.__dict__, "per_day": 100_000})
    result = find_slot_days(**given_args, rules=unbounded, day_zone=day_zone)
    assert result.slots == every.slots
    assert (result.reason, result.message) == (every.reason, every.message)
    zone = zoneinfo.ZoneInfo(day_zone)
    for day in result.days:
        assert day.slots and day.more == 0
        assert {s.starts_at.astimezone(zone).date() for s in day.slots} == {day.day}
        assert result.first_day <= day.day <= result.last_day
    assert result.first_day == now.astimezone(zone).date()
