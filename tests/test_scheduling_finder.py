"""The slot finder on hand-made cases: DST in Kyiv and New York, 24:00, extra hours,
time off, the buffer, the tie rule and the reasons for no slot."""

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.finder import (
    INTERPRETERS_BUSY,
    NO_COMMON_TIME,
    NO_INTERPRETER_FOR_LANGUAGES,
    CallNeeds,
    InterpreterTime,
    Party,
    SearchRules,
    ceil_to_grid,
    find_slots,
)
from scheduling.windows import WindowError, parse_window, parse_windows

ALWAYS = parse_windows(
    [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}]
)
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(result):
    return [slot.starts_at for slot in result.slots]


def search(
    now,
    *,
    client=None,
    member=None,
    interpreters=None,
    minutes=60,
    kind="phone_direct",
    languages=(),
    client_languages=(),
    member_languages=(),
    **rules,
):
    rules = {"min_notice_minutes": 0, "horizon_days": 3, "step_minutes": 60, "limit": 3, **rules}
    return find_slots(
        now=now,
        call=CallNeeds(
            kind,
            minutes,
            frozenset(languages),
            client_languages=frozenset(client_languages),
            member_languages=frozenset(member_languages),
        ),
        client=client or Party("UTC", ALWAYS),
        member=member or Party("UTC", ALWAYS),
        interpreters=interpreters or [InterpreterTime(1, "UTC", hours=ALWAYS)],
        rules=SearchRules(**rules),
    )


def daily(zone, start, end):
    return Party(zone, parse_windows([{"days": EVERY_DAY, "from": start, "to": end}]))


def test_kyiv_window_across_the_last_sunday_of_march():
    # Kyiv moves from UTC+2 to UTC+3 at 03:00 local on Sunday 28 March 2027.
    result = search(utc(2027, 3, 27), client=daily("Europe/Kyiv", "09:00", "10:00"))
    assert starts(result) == [utc(2027, 3, 27, 7), utc(2027, 3, 28, 6), utc(2027, 3, 29, 6)]


def test_kyiv_window_across_the_last_sunday_of_october():
    # Back from UTC+3 to UTC+2 at 04:00 local on Sunday 31 October 2027.
    result = search(utc(2027, 10, 30), client=daily("Europe/Kyiv", "09:00", "10:00"))
    assert starts(result) == [utc(2027, 10, 30, 6), utc(2027, 10, 31, 7), utc(2027, 11, 1, 7)]


def test_a_kyiv_window_loses_the_skipped_hour_and_gains_the_repeated_one():
    spring = Party(
        "Europe/Kyiv", parse_windows([{"from": "2027-03-28T03:00", "to": "2027-03-28T05:00"}])
    )
    # 03:00-04:00 does not exist that night: the window is one hour, 01:00-02:00 UTC.
    assert starts(search(utc(2027, 3, 27), member=spring, step_minutes=15)) == [utc(2027, 3, 28, 1)]
    assert search(utc(2027, 3, 27), member=spring, minutes=75).reason == NO_COMMON_TIME
    autumn = Party(
        "Europe/Kyiv", parse_windows([{"from": "2027-10-31T03:00", "to": "2027-10-31T04:00"}])
    )
    # 03:00-04:00 happens twice: two hours, 00:00-02:00 UTC, room for a 2-hour call.
    assert starts(search(utc(2027, 10, 30), member=autumn, minutes=120)) == [utc(2027, 10, 31, 0)]


def test_new_york_window_across_its_changes():
    # Spring forward Sunday 14 March 2027 (UTC-5 -> UTC-4); fall back Sunday 7 November.
    march = search(utc(2027, 3, 13), client=daily("America/New_York", "08:00", "09:00"))
    assert starts(march) == [utc(2027, 3, 13, 13), utc(2027, 3, 14, 12), utc(2027, 3, 15, 12)]
    november = search(utc(2027, 11, 6), client=daily("America/New_York", "08:00", "09:00"))
    assert starts(november) == [utc(2027, 11, 6, 12), utc(2027, 11, 7, 13), utc(2027, 11, 8, 13)]


def test_three_zones_at_once_across_a_change():
    # The example: on Monday 29 March New York (UTC-4 since 14 March)
    # 08:00-11:00 is 12:00-15:00 UTC, Kyiv (UTC+3 since 28 March) 15:00-20:00
    # is 12:00-17:00 UTC and 09:00-18:00 is 06:00-15:00 UTC.
    client = Party(
        "America/New_York", parse_windows([{"days": ["mon"], "from": "08:00", "to": "11:00"}])
    )
    member = daily("Europe/Kyiv", "15:00", "20:00")
    olena = InterpreterTime(
        "olena",
        "Europe/Kyiv",
        hours=parse_windows([{"days": EVERY_DAY, "from": "09:00", "to": "18:00"}]),
    )
    result = search(
        utc(2027, 3, 26, 9),
        client=client,
        member=member,
        interpreters=[olena],
        horizon_days=14,
        step_minutes=30,
        minutes=30,
        limit=6,
    )
    assert starts(result) == [utc(2027, 3, 29, 12) + timedelta(minutes=30 * k) for k in range(6)]


def test_24_00_ends_the_day_and_touching_windows_read_as_one():
    member = Party(
        "Europe/Kyiv",
        parse_windows(
            [
                {"days": ["mon"], "from": "22:00", "to": "24:00"},
                {"days": ["tue"], "from": "00:00", "to": "01:00"},
            ]
        ),
    )
    result = search(utc(2027, 6, 7), member=member, minutes=180, limit=1)
    assert starts(result) == [utc(2027, 6, 7, 19)]  # 22:00 Kyiv (UTC+3)


def test_extra_hours_add_and_time_off_removes():
    hours = parse_windows([{"days": EVERY_DAY, "from": "09:00", "to": "10:00"}])
    extra = parse_windows([{"from": "2027-06-07T06:00", "to": "2027-06-07T07:00"}])
    off = parse_windows([{"from": "2027-06-08T00:00", "to": "2027-06-09T00:00"}])
    ivan = InterpreterTime(1, "UTC", hours=hours, extra=extra, off=off)
    result = search(utc(2027, 6, 7), interpreters=[ivan])
    assert starts(result) == [utc(2027, 6, 7, 6), utc(2027, 6, 7, 9), utc(2027, 6, 9, 9)]


def test_the_buffer_is_the_gap_between_two_sessions():
    session = (utc(2027, 6, 7, 10), utc(2027, 6, 7, 11))
    ivan = InterpreterTime(1, "UTC", hours=ALWAYS, sessions=(session,))
    result = search(
        utc(2027, 6, 7, 8),
        interpreters=[ivan],
        minutes=30,
        step_minutes=15,
        buffer_minutes=15,
        limit=8,
    )
    # 09:15 ends 09:45, 15 minutes before 10:00; the next start is 11:15.
    assert starts(result) == [
        utc(2027, 6, 7, 8, 0),
        utc(2027, 6, 7, 8, 15),
        utc(2027, 6, 7, 8, 30),
        utc(2027, 6, 7, 8, 45),
        utc(2027, 6, 7, 9, 0),
        utc(2027, 6, 7, 9, 15),
        utc(2027, 6, 7, 11, 15),
        utc(2027, 6, 7, 11, 30),
    ]


def test_notice_horizon_and_grid():
    now = utc(2027, 6, 7, 8, 7, 30)
    result = search(
        now, min_notice_minutes=120, step_minutes=20, horizon_days=1, limit=200, minutes=20
    )
    assert result.slots[0].starts_at == utc(2027, 6, 7, 10, 20)
    assert result.slots[-1].starts_at == utc(2027, 6, 8, 8, 0)  # < now + 1 day
    assert all(s.starts_at.minute % 20 == 0 for s in result.slots)


def test_ties_go_to_the_fewest_sessions_that_week_then_the_smallest_id():
    busy_week = tuple((utc(2027, 6, 8, h), utc(2027, 6, 8, h, 30)) for h in (12, 14))
    three = InterpreterTime(3, "UTC", hours=ALWAYS)
    one = InterpreterTime(1, "UTC", hours=ALWAYS, sessions=busy_week)
    two = InterpreterTime(2, "UTC", hours=ALWAYS)
    result = search(utc(2027, 6, 7), interpreters=[three, one, two], limit=1)
    assert [s.interpreter for s in result.slots] == [2]
    # Next week one's sessions no longer count.
    result = search(utc(2027, 6, 14), interpreters=[three, one, two], limit=1)
    assert [s.interpreter for s in result.slots] == [1]


def test_languages_matter_only_for_interpreted_calls():
    ivan = InterpreterTime(1, "UTC", languages=frozenset({"ru", "en"}), hours=ALWAYS)
    for kind in ("phone_interpreted", "video"):
        refused = search(utc(2027, 6, 7), interpreters=[ivan], kind=kind, languages={"en", "uk"})
        assert refused.reason == NO_INTERPRETER_FOR_LANGUAGES and "uk" in refused.message
        assert search(utc(2027, 6, 7), interpreters=[ivan], kind=kind, languages={"en", "ru"}).slots
    assert search(utc(2027, 6, 7), interpreters=[ivan], kind="phone_direct", languages={"uk"}).slots


def test_an_interpreted_call_needs_a_pair_not_every_language_of_both_sides():
    """Issue 25 item 4: client de/en, member ru/uk; an en<->uk interpreter is enough."""
    sides = {"client_languages": {"de", "en"}, "member_languages": {"ru", "uk"}}
    en_uk = InterpreterTime(1, "UTC", languages=frozenset({"en", "uk"}), hours=ALWAYS)
    de_only = InterpreterTime(2, "UTC", languages=frozenset({"de", "en"}), hours=ALWAYS)
    for kind in ("phone_interpreted", "video"):
        found = search(utc(2027, 6, 7), interpreters=[de_only, en_uk], kind=kind, **sides)
        assert found.slots and {s.interpreter for s in found.slots} == {1}
        refused = search(utc(2027, 6, 7), interpreters=[de_only], kind=kind, **sides)
        assert refused.reason == NO_INTERPRETER_FOR_LANGUAGES
        assert "de, en ↔ ru, uk" in refused.message


def test_a_shared_language_is_a_pair_of_one():
    en = InterpreterTime(1, "UTC", languages=frozenset({"en"}), hours=ALWAYS)
    found = search(
        utc(2027, 6, 7),
        interpreters=[en],
        kind="video",
        client_languages={"en"},
        member_languages={"en", "uk"},
    )
    assert found.slots


def test_a_pinned_pair_wins_over_the_sides():
    en_uk = InterpreterTime(1, "UTC", languages=frozenset({"en", "uk"}), hours=ALWAYS)
    de_ru = InterpreterTime(2, "UTC", languages=frozenset({"de", "ru"}), hours=ALWAYS)
    found = search(
        utc(2027, 6, 7),
        interpreters=[en_uk, de_ru],
        kind="phone_interpreted",
        languages={"de", "ru"},
        client_languages={"de", "en"},
        member_languages={"ru", "uk"},
    )
    assert {s.interpreter for s in found.slots} == {2}


def test_reasons_say_why_there_is_no_slot():
    no_overlap = search(
        utc(2027, 6, 7),
        client=daily("UTC", "08:00", "10:00"),
        member=daily("UTC", "10:00", "12:00"),
    )
    assert no_overlap.reason == NO_COMMON_TIME and no_overlap.message and not no_overlap.slots
    night_owl = InterpreterTime(
        1, "UTC", hours=parse_windows([{"days": EVERY_DAY, "from": "22:00", "to": "23:00"}])
    )
    busy = search(utc(2027, 6, 7), client=daily("UTC", "08:00", "10:00"), interpreters=[night_owl])
    assert busy.reason == INTERPRETERS_BUSY and busy.message


def test_ceil_to_grid():
    base = int(utc(2027, 6, 7, 8).timestamp())
    assert ceil_to_grid(base, 15) == base
    assert ceil_to_grid(base + 1, 15) == base + 15 * 60
    assert ceil_to_grid(base + 50 * 60, 25) == base + 50 * 60  # :00, :25, :50 ...
    assert ceil_to_grid(base + 51 * 60, 25) == base + 3600  # ... then the next hour's :00


@pytest.mark.parametrize(
    "window",
    [
        {"days": ["mon"], "from": "10:00", "to": "09:00"},
        {"days": ["funday"], "from": "10:00", "to": "11:00"},
        {"days": ["mon"], "from": "10:00", "to": "24:30"},
        {"days": ["mon"], "from": "24:00", "to": "24:00"},
        {"from": "2027-03-29T15:00", "to": "2027-03-29T14:00"},
        {"from": "2027-02-30T15:00", "to": "2027-03-29T14:00"},
        {"from": "10:00"},
    ],
)
def test_bad_windows_are_refused(window):
    with pytest.raises(WindowError):
        parse_window(window)
