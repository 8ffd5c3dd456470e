"""common.localtime: wall-clock times to instants, and durations added in UTC."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from common.localtime import (
    AmbiguousLocalTime,
    NonExistentLocalTime,
    add,
    local_day_start,
    local_to_utc,
    to_utc,
)

KYIV = ZoneInfo("Europe/Kyiv")


def test_an_ordinary_wall_time_is_one_instant():
    assert local_to_utc(datetime(2027, 1, 10, 10, 0), "Europe/Kyiv") == datetime(
        2027, 1, 10, 8, 0, tzinfo=UTC
    )
    # Only the wall clock counts: a tzinfo on the input is ignored.
    assert local_to_utc(datetime(2027, 1, 10, 10, 0, tzinfo=UTC), KYIV).hour == 8


def test_a_time_in_the_spring_gap_is_refused_with_both_offsets():
    with pytest.raises(NonExistentLocalTime) as info:
        local_to_utc(datetime(2027, 3, 28, 3, 30), "Europe/Kyiv", field="starts_at")
    assert info.value.code == "nonexistent_local_time"
    assert info.value.errors == {"starts_at": [info.value.message]}
    assert "2027-03-28 03:30 does not exist in Europe/Kyiv" in info.value.message
    assert "+02:00" in info.value.message and "+03:00" in info.value.message


def test_a_time_in_the_autumn_repeat_is_refused_naming_both_offsets():
    with pytest.raises(AmbiguousLocalTime) as info:
        local_to_utc(datetime(2027, 11, 7, 1, 30), "America/New_York")
    assert "happens twice in America/New_York" in info.value.message
    assert "-04:00" in info.value.message and "-05:00" in info.value.message


def test_durations_are_added_in_utc_not_on_the_wall_clock():
    before_change = datetime(2027, 3, 28, 2, 30, tzinfo=KYIV)  # 00:30Z
    wall = before_change + timedelta(minutes=120)  # what Python does: wall-clock time
    assert wall - before_change == timedelta(minutes=120)  # looks right...
    assert to_utc(wall) - to_utc(before_change) == timedelta(minutes=60)  # ...but is not
    exact = add(before_change, timedelta(minutes=120))
    assert exact == datetime(2027, 3, 28, 2, 30, tzinfo=UTC)
    assert exact.tzinfo is UTC


def test_to_utc_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        to_utc(datetime(2027, 1, 1))


@pytest.mark.parametrize(
    ("zone", "day", "expected_hours"),
    [
        ("Europe/Kyiv", date(2027, 3, 28), 23),
        ("Europe/Kyiv", date(2027, 10, 31), 25),
        ("America/New_York", date(2027, 3, 14), 23),
        ("Europe/Berlin", date(2027, 6, 1), 24),
    ],
)
def test_a_local_day_is_23_24_or_25_hours(zone, day, expected_hours):
    length = local_day_start(day + timedelta(days=1), zone) - local_day_start(day, zone)
    assert length == timedelta(hours=expected_hours)


def test_a_day_whose_midnight_does_not_exist_starts_at_the_first_time_that_does():
    # Chile moves its clocks at midnight: 2027-09-05 00:00 does not exist in Santiago.
    zone = ZoneInfo("America/Santiago")
    start = local_day_start(date(2027, 9, 5), zone)
    assert start.astimezone(zone).date() == date(2027, 9, 5)
    assert start.astimezone(zone).hour == 1


def test_the_refusal_speaks_the_readers_language():
    from django.core.management import call_command
    from django.utils import translation

    call_command("compile_translations", verbosity=0)
    with translation.override("ru"), pytest.raises(NonExistentLocalTime) as info:
        local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    assert "не существует" in info.value.message
