"""A slow, obviously-correct reading of the slot rules, for checking the finder.

Works minute by minute on aware datetimes with zoneinfo: an instant is inside a
person's windows when its local wall time (in their zone) is inside one of
them. It shares no code with `scheduling.windows` or `scheduling.finder`.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from scheduling.windows import DatedWindow, WeeklyWindow

INTERPRETED = {"phone_interpreted", "video"}


def wall_inside(windows, moment: datetime, zone_name: str) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    wall = local.replace(tzinfo=None)
    minute_of_day = wall.hour * 60 + wall.minute
    for window in windows:
        if isinstance(window, WeeklyWindow):
            if (
                wall.weekday() in window.days
                and window.start_minute <= minute_of_day < window.end_minute
            ):
                return True
        elif isinstance(window, DatedWindow) and window.start <= wall < window.end:
            return True
    return False


def minutes_inside(windows, start: datetime, minutes: int, zone_name: str, off=()) -> bool:
    for k in range(minutes):
        moment = start + timedelta(minutes=k)
        if not wall_inside(windows, moment, zone_name):
            return False
        if off and wall_inside(off, moment, zone_name):
            return False
    return True


def on_grid(moment: datetime, step: int) -> bool:
    return moment.second == 0 and moment.microsecond == 0 and moment.minute % step == 0


def session_ok(start: datetime, minutes: int, buffer: int, sessions) -> bool:
    end = start + timedelta(minutes=minutes)
    gap = timedelta(minutes=buffer)
    return all(start >= b + gap or end + gap <= a for a, b in sessions)


def speaks_the_pair(interp, call) -> bool:
    """Written from SPEC's words, apart from the finder: the pinned pair, else
    one language the client speaks and one the member speaks."""
    if call.kind not in INTERPRETED:
        return True
    if call.languages:
        return call.languages <= interp.languages
    client_ok = not call.client_languages or bool(call.client_languages & interp.languages)
    member_ok = not call.member_languages or bool(call.member_languages & interp.languages)
    return client_ok and member_ok


def interpreter_fits(interp, call, start, rules) -> bool:
    if not speaks_the_pair(interp, call):
        return False
    windows = tuple(interp.hours) + tuple(interp.extra)
    return minutes_inside(
        windows, start, call.minutes, interp.time_zone, off=interp.off
    ) and session_ok(start, call.minutes, rules.buffer_minutes, interp.sessions)


def sides_fit(client, member, call, start) -> bool:
    return minutes_inside(client.windows, start, call.minutes, client.time_zone) and (
        minutes_inside(member.windows, start, call.minutes, member.time_zone)
    )


def grid(now: datetime, rules):
    """Every start on the grid with now + notice <= s < now + horizon, in order."""
    first = now + timedelta(minutes=rules.min_notice_minutes)
    moment = first.replace(second=0, microsecond=0)
    if moment < first:
        moment += timedelta(minutes=1)
    end = now + timedelta(days=rules.horizon_days)
    while moment < end:
        if on_grid(moment, rules.step_minutes):
            yield moment
        moment += timedelta(minutes=1)


def week_load(interp, start: datetime) -> int:
    zone = zoneinfo.ZoneInfo(interp.time_zone)
    local = start.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    begin = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    nxt = monday + timedelta(days=7)
    finish = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return sum(
        1 for a, _b in interp.sessions if begin.astimezone(UTC) <= a < finish.astimezone(UTC)
    )
