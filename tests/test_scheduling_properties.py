"""Property test of the slot finder against a minute-by-minute brute force.

Hypothesis builds small scenarios in zones with DST changes near `now`
(Kyiv, New York, Lord Howe's 30-minute shift, India's half-hour offset):
weekly and dated windows (with 24:00), extra hours, time off, sessions and
languages. For every answer:
  - every slot obeys every rule (grid, notice, horizon, each party's windows
    read minute by minute in their zone, languages, the buffer);
  - a brute-force scan of the grid finds exactly the same starts: none
    earlier, none skipped, and the same interpreter by the tie rule;
  - with no slot, the reason is the right one.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scheduling.finder import (
    INTERPRETERS_BUSY,
    NO_COMMON_TIME,
    NO_INTERPRETER_FOR_LANGUAGES,
    CallNeeds,
    InterpreterTime,
    Party,
    SearchRules,
    find_slots,
)
from scheduling.windows import DatedWindow, WeeklyWindow

from . import scheduling_oracle as oracle

ZONES = ["Europe/Kyiv", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
# Instants a day or so before DST changes (2027), so horizons cross them.
ANCHORS = [
    datetime(2027, 3, 27, 6, 0, tzinfo=UTC),  # Kyiv springs forward Sun 28 Mar
    datetime(2027, 10, 30, 6, 0, tzinfo=UTC),  # Kyiv falls back Sun 31 Oct
    datetime(2027, 3, 13, 12, 0, tzinfo=UTC),  # New York springs forward Sun 14 Mar
    datetime(2027, 11, 6, 12, 0, tzinfo=UTC),  # New York falls back Sun 7 Nov
    datetime(2027, 4, 3, 10, 0, tzinfo=UTC),  # Lord Howe: 30 minutes back Sun 4 Apr
]
LANGS = ["en", "ru", "uk", "de"]

minute_of_day = st.integers(0, 47).map(lambda k: k * 30)


@st.composite
def weekly(draw):
    start = draw(st.integers(0, 95).map(lambda k: k * 15))
    # Long windows more often than not, so that the sides often meet; up to 24:00.
    end = draw(st.one_of(st.just(96), st.integers(start // 15 + 1, 96)).map(lambda k: k * 15))
    days = draw(st.frozensets(st.integers(0, 6), min_size=3, max_size=7))
    return WeeklyWindow(days, start, end)


@st.composite
def dated(draw, anchor):
    local_base = anchor.replace(tzinfo=None, minute=0)
    start = local_base + timedelta(minutes=draw(st.integers(-24 * 4, 4 * 24 * 4)) * 15)
    end = start + timedelta(minutes=draw(st.integers(1, 36 * 4)) * 15)
    return DatedWindow(start, end)


def windows(anchor, min_size=0, max_size=3):
    return st.lists(st.one_of(weekly(), dated(anchor)), min_size=min_size, max_size=max_size).map(
        tuple
    )


@st.composite
def scenarios(draw):
    anchor = draw(st.sampled_from(ANCHORS))
    now = anchor + timedelta(
        minutes=draw(st.integers(0, 24 * 60)), seconds=draw(st.sampled_from([0, 0, 17]))
    )
    rules = SearchRules(
        buffer_minutes=draw(st.sampled_from([0, 5, 15, 30])),
        min_notice_minutes=draw(st.sampled_from([0, 60, 120])),
        horizon_days=draw(st.integers(1, 3)),
        step_minutes=draw(st.sampled_from([10, 15, 20, 30, 60])),
        limit=draw(st.integers(1, 6)),
    )
    call = CallNeeds(
        kind=draw(st.sampled_from(["phone_interpreted", "phone_direct", "video"])),
        minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
        # Pinned (a pair), or left to the two sides' languages.
        languages=pinned
        if (pinned := draw(st.frozensets(st.sampled_from(LANGS), max_size=2)))
        else frozenset(),
        client_languages=draw(st.frozensets(st.sampled_from(LANGS), max_size=2)),
        member_languages=draw(st.frozensets(st.sampled_from(LANGS), max_size=2)),
    )
    client = Party(draw(st.sampled_from(ZONES)), draw(windows(anchor, 1)))
    member = Party(draw(st.sampled_from(ZONES)), draw(windows(anchor, 1)))
    interpreters = [
        InterpreterTime(
            id=number + 1,
            time_zone=draw(st.sampled_from(ZONES)),
            languages=draw(st.frozensets(st.sampled_from(LANGS), max_size=3))
            | (call.languages if draw(st.booleans()) else frozenset()),
            hours=draw(windows(anchor, 1)),
            extra=draw(windows(anchor, 0, 1)),
            off=draw(windows(anchor, 0, 1)),
        )
        for number in range(draw(st.integers(1, 3)))
    ]
    # Sessions matter where they meet the answer: put them around the starts
    # the finder gives without them (and around the earliest allowed start).
    unbooked = find_slots(
        now=now, call=call, client=client, member=member, interpreters=interpreters, rules=rules
    )
    near = [s.starts_at for s in unbooked.slots] + [
        now + timedelta(minutes=rules.min_notice_minutes)
    ]
    booked = []
    for interpreter in interpreters:
        sessions = []
        for _ in range(draw(st.integers(0, 4))):
            start = draw(st.sampled_from(near)) + timedelta(minutes=draw(st.integers(-24, 24)) * 5)
            length = timedelta(minutes=draw(st.sampled_from([20, 30, 60])))
            sessions.append((start, start + length))
        booked.append(replace(interpreter, sessions=tuple(sessions)))
    interpreters = booked
    return now, call, client, member, interpreters, rules


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_finder_agrees_with_brute_force(scenario):
    now, call, client, member, interpreters, rules = scenario
    result = find_slots(
        now=now, call=call, client=client, member=member, interpreters=interpreters, rules=rules
    )
    event(f"slots: {len(result.slots)}" if result.slots else f"none: {result.reason}")
    by_id = {i.id: i for i in interpreters}
    for slot in result.slots:
        start = slot.starts_at
        assert oracle.on_grid(start, rules.step_minutes)
        assert now + timedelta(minutes=rules.min_notice_minutes) <= start
        assert start < now + timedelta(days=rules.horizon_days)
        assert slot.ends_at - start == timedelta(minutes=call.minutes)
        assert oracle.sides_fit(client, member, call, start)
        assert oracle.interpreter_fits(by_id[slot.interpreter], call, start, rules)

    expected = []
    sides_ever_fit = False
    for start in oracle.grid(now, rules):
        if len(expected) == rules.limit:
            break
        if not oracle.sides_fit(client, member, call, start):
            continue
        sides_ever_fit = True
        fitting = [i for i in interpreters if oracle.interpreter_fits(i, call, start, rules)]
        if fitting:
            best = min(fitting, key=lambda i: (oracle.week_load(i, start), i.id))
            expected.append((start, best.id))
    assert [(s.starts_at, s.interpreter) for s in result.slots] == expected

    if not expected:
        speaks = [i for i in interpreters if oracle.speaks_the_pair(i, call)]
        if not speaks:
            assert result.reason == NO_INTERPRETER_FOR_LANGUAGES
        elif not sides_ever_fit:
            assert result.reason == NO_COMMON_TIME
        else:
            assert result.reason == INTERPRETERS_BUSY
        assert result.message
    else:
        assert result.reason is None and result.message is None


@st.composite
def crowded_days(draw):
    """Everyone free all day, the interpreters' sessions packed into a few hours:
    the buffer and the tie rule decide every answer."""
    now = draw(st.sampled_from(ANCHORS)) + timedelta(minutes=draw(st.integers(0, 59)))
    rules = SearchRules(
        buffer_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        min_notice_minutes=0,
        horizon_days=1,
        step_minutes=draw(st.sampled_from([5, 10, 15, 30])),
        limit=draw(st.integers(1, 8)),
    )
    call = CallNeeds("phone_direct", draw(st.sampled_from([15, 20, 30, 45, 60])))
    always = (WeeklyWindow(frozenset(range(7)), 0, 1440),)
    interpreters = []
    for number in range(draw(st.integers(1, 3))):
        sessions = []
        for _ in range(draw(st.integers(0, 6))):
            start = now + timedelta(minutes=draw(st.integers(0, 6 * 12)) * 5)
            sessions.append((start, start + timedelta(minutes=draw(st.sampled_from([15, 30, 45])))))
        interpreters.append(
            InterpreterTime(
                id=number + 1,
                time_zone=draw(st.sampled_from(ZONES)),
                hours=always,
                sessions=tuple(sessions),
            )
        )
    return now, call, Party("UTC", always), Party("UTC", always), interpreters, rules


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_days())
def test_buffer_and_ties_agree_with_brute_force(scenario):
    test_finder_agrees_with_brute_force.hypothesis.inner_test(scenario)
