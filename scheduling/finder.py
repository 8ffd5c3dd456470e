"""The slot finder: when can the client, the member and an interpreter all talk?

A pure function over plain data: no database, no settings, no clock. The
doors (admin, client pages, API, `find_slots`) build its input from stored
rows or a scenario file (`scheduling.scenario`) and show its answer.

A start `s` is a slot for a call of `m` minutes with interpreter `i` when
  - `s >= now + min_notice`, `s < now + horizon`, and the minute of the UTC
    hour of `s` is divisible by `step` (seconds zero);
  - `[s, s+m)` lies inside a client window, a member window and one of `i`'s
    working windows (weekly hours plus extra hours, minus time off), each read
    in its owner's zone (`scheduling.windows`);
  - for calls with interpretation, `i` speaks the call's language pair
    (`speaks`): the pinned languages if the call pins them, else one language
    the client speaks and one the member speaks;
  - for each session `[a, b)` of `i`: `s >= b + buffer` or `s + m + buffer <= a`.
The answer is the earliest distinct starts (up to `limit`), each with one
interpreter: the one with the fewest sessions starting in that week (Monday
to Monday in the interpreter's zone), then the smallest id.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from .windows import (
    DAY,
    EPOCH_WEEKDAY,
    Window,
    from_epoch,
    intersect,
    local_span_to_utc,
    merge,
    subtract,
    to_epoch,
    window_intervals,
    zone_segments,
)

INTERPRETED_KINDS = frozenset({"phone_interpreted", "video"})
KINDS = frozenset({"phone_interpreted", "phone_direct", "video"})

NO_INTERPRETER_FOR_LANGUAGES = "no_interpreter_for_languages"
NO_COMMON_TIME = "no_common_time"
INTERPRETERS_BUSY = "interpreters_busy"


@dataclass(frozen=True)
class CallNeeds:
    """What the call needs. `languages`: the pair the call pins (empty: not
    pinned); `client_languages` / `member_languages`: what each side speaks."""

    kind: str
    minutes: int
    languages: frozenset[str] = frozenset()
    client_languages: frozenset[str] = frozenset()
    member_languages: frozenset[str] = frozenset()

    def pair_text(self) -> str:
        """The languages asked for, as people read them ("en ↔ uk", "de, en ↔ ru, uk")."""
        if self.languages:
            return " ↔ ".join(sorted(self.languages))
        sides = [
            ", ".join(sorted(side)) or "—"
            for side in (self.client_languages, self.member_languages)
        ]
        return " ↔ ".join(sides)


@dataclass(frozen=True)
class Party:
    """The client or the member: their zone and the windows they gave."""

    time_zone: str
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class InterpreterTime:
    id: Hashable
    time_zone: str
    languages: frozenset[str] = frozenset()
    hours: tuple[Window, ...] = ()
    extra: tuple[Window, ...] = ()
    off: tuple[Window, ...] = ()
    # (starts_at, ends_at) aware datetimes of the sessions that hold their time.
    sessions: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class SearchRules:
    buffer_minutes: int = 15
    min_notice_minutes: int = 120
    horizon_days: int = 14
    step_minutes: int = 15
    limit: int = 5

    def __post_init__(self):
        if not 1 <= self.step_minutes <= 60:
            raise ValueError("step_minutes must be between 1 and 60")
        for name in ("buffer_minutes", "min_notice_minutes", "horizon_days", "limit"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} can't be negative")


DEFAULT_RULES = SearchRules()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    interpreter: Hashable


@dataclass(frozen=True)
class SlotSearch:
    slots: tuple[Slot, ...]
    reason: str | None = None
    message: str | None = None
    # Per slot, the other interpreters who could take it too (for the operator).
    alternatives: dict = field(default_factory=dict, compare=False)


def ceil_to_grid(seconds: int, step_minutes: int) -> int:
    """The first grid start at or after `seconds`: minutes of the UTC hour divisible by step."""
    hour = seconds - seconds % 3600
    into = seconds - hour
    step = step_minutes * 60
    k = -(-into // step)
    return hour + k * step if k * step_minutes < 60 else hour + 3600


def speaks_pair(
    spoken: frozenset[str],
    *,
    pinned: frozenset[str] = frozenset(),
    client: frozenset[str] = frozenset(),
    member: frozenset[str] = frozenset(),
) -> bool:
    """SPEC "Finding the time": an interpreter fits an interpreted call when they
    speak its pair: every pinned language if the call pins its pair, else one
    language the client speaks and one the member speaks (the same one when
    both sides share it). A side whose languages are unknown asks nothing."""
    if pinned:
        return pinned <= spoken
    return all(spoken & side for side in (client, member) if side)


def speaks(interpreter: InterpreterTime, needs: CallNeeds) -> bool:
    if needs.kind not in INTERPRETED_KINDS:
        return True  # a direct call is still organised (and recorded) by an interpreter
    return speaks_pair(
        interpreter.languages,
        pinned=needs.languages,
        client=needs.client_languages,
        member=needs.member_languages,
    )


def find_slots(
    *,
    now: datetime,
    call: CallNeeds,
    client: Party,
    member: Party,
    interpreters: list[InterpreterTime] | tuple[InterpreterTime, ...],
    rules: SearchRules = DEFAULT_RULES,
) -> SlotSearch:
    minutes = call.minutes * 60
    buffer = rules.buffer_minutes * 60
    now_s = to_epoch(now) + (1 if now.microsecond else 0)  # s >= now + notice, in whole seconds
    lo = now_s + rules.min_notice_minutes * 60
    hi = to_epoch(now) + rules.horizon_days * DAY  # starts are < hi
    if now.microsecond:
        hi += 1  # s < now + horizon with a fractional now: the whole second before is in
    first = ceil_to_grid(lo, rules.step_minutes)
    last = hi - 1  # the latest start allowed (closed)
    span_end = hi + minutes

    able = [i for i in interpreters if speaks(i, call)]
    if not able and call.kind in INTERPRETED_KINDS:
        return _none(
            NO_INTERPRETER_FOR_LANGUAGES,
            _(
                "No interpreter speaks a language of the client and one of the member "
                "(%(languages)s)."
            )
            % {"languages": call.pair_text()},
        )

    common = intersect(
        window_intervals(client.time_zone, client.windows, lo, span_end),
        window_intervals(member.time_zone, member.windows, lo, span_end),
    )
    if not _starts(common, minutes, first, last, rules.step_minutes):
        return _none(
            NO_COMMON_TIME,
            _(
                "The client's and the member's times never overlap long enough for a "
                "%(minutes)d-minute call in the next %(days)d days."
            )
            % {"minutes": call.minutes, "days": rules.horizon_days},
        )

    starts_by_interpreter = {}
    for interpreter in able:
        working = subtract(
            merge(
                window_intervals(interpreter.time_zone, interpreter.hours, lo, span_end)
                + window_intervals(interpreter.time_zone, interpreter.extra, lo, span_end)
            ),
            window_intervals(interpreter.time_zone, interpreter.off, lo, span_end),
        )
        free = intersect(common, working)
        starts = _starts(free, minutes, first, last, rules.step_minutes)
        if not starts:
            continue
        booked = sorted((to_epoch(a), _ceil_epoch(b)) for a, b in interpreter.sessions)
        # Starts a session forbids: s in (a - m - buffer, b + buffer), whole seconds.
        taken = merge((a - minutes - buffer + 1, b + buffer) for a, b in booked)
        starts = subtract(starts, taken)
        if starts:
            session_starts = [a for a, _b in booked]
            starts_by_interpreter[interpreter.id] = (interpreter, starts, session_starts)

    slots, alternatives = [], {}
    cursor = first
    week_counts: dict = {}
    while len(slots) < rules.limit:
        best_start, fitting = None, []
        for interpreter, starts, _booked in starts_by_interpreter.values():
            start = _first_grid_start(starts, cursor, rules.step_minutes)
            if start is None:
                continue
            if best_start is None or start < best_start:
                best_start, fitting = start, [interpreter]
            elif start == best_start:
                fitting.append(interpreter)
        if best_start is None:
            break
        fitting.sort(
            key=lambda i: (
                _week_load(i, starts_by_interpreter[i.id][2], best_start, week_counts),
                i.id,
            )
        )
        slots.append(Slot(from_epoch(best_start), from_epoch(best_start + minutes), fitting[0].id))
        alternatives[from_epoch(best_start)] = [i.id for i in fitting[1:]]
        cursor = best_start + 1
    if not slots:
        return _none(
            INTERPRETERS_BUSY,
            _(
                "No interpreter who could take this call is free at a time that suits "
                "both sides in the next %(days)d days."
            )
            % {"days": rules.horizon_days},
        )
    return SlotSearch(tuple(slots), None, None, alternatives)


def _none(reason: str, message: str) -> SlotSearch:
    return SlotSearch((), reason, str(message))


def _ceil_epoch(moment: datetime) -> int:
    return to_epoch(moment) + (1 if moment.microsecond else 0)


def _starts(intervals, minutes: int, first: int, last: int, step: int) -> list[tuple[int, int]]:
    """Closed ranges of starts s with [s, s+m) inside one interval, within [first, last].

    Ranges holding no grid start are dropped, so an empty list means "no slot".
    """
    out = []
    for start, end in intervals:
        a, b = max(start, first), min(end - minutes, last)
        if a <= b and ceil_to_grid(a, step) <= b:
            out.append((a, b + 1))  # stored half-open for the interval helpers
    return out


def _first_grid_start(starts, cursor: int, step: int) -> int | None:
    index = bisect_left(starts, (cursor,))
    if index > 0 and starts[index - 1][1] > cursor:
        index -= 1
    for start, end in starts[index:]:
        candidate = ceil_to_grid(max(start, cursor), step)
        if candidate < end:
            return candidate
    return None


def _week_load(interpreter: InterpreterTime, session_starts, start: int, cache: dict) -> int:
    """How many of the interpreter's sessions start in the week (their zone) of `start`."""
    lo, hi = _week_bounds(interpreter.time_zone, start, cache)
    return bisect_left(session_starts, hi) - bisect_left(session_starts, lo)


def _week_bounds(zone_name: str, start: int, cache: dict) -> tuple[int, int]:
    """Monday 00:00 to the next Monday 00:00 on the zone's clock, around `start`, as UTC."""
    key = (zone_name, start)
    if key not in cache:
        segments = zone_segments(zone_name, start - 8 * DAY, start + 8 * DAY)
        offset = next(o for a, b, o in segments if a <= start < b)
        day = (start + offset) // DAY
        monday = day - (day + EPOCH_WEEKDAY) % 7
        week = local_span_to_utc(segments, monday * DAY, (monday + 7) * DAY)
        cache[key] = (week[0][0], week[-1][1])
    return cache[key]
