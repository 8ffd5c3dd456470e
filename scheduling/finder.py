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

`find_slot_days` gives a picker everything in one call: every start of the
horizon by the same rules and tie rule, grouped by the days of a viewer's
zone (each day holding at most `per_day` starts, the earliest), with the
horizon's first and last day to draw a calendar.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime

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
    # The most starts one day of a calendar holds (`find_slot_days`): 96 is a
    # whole day on the 15-minute grid.
    per_day: int = 96

    def __post_init__(self):
        if not 1 <= self.step_minutes <= 60:
            raise ValueError("step_minutes must be between 1 and 60")
        for name in ("buffer_minutes", "min_notice_minutes", "horizon_days", "limit", "per_day"):
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


@dataclass(frozen=True)
class SlotDay:
    """One day of the viewer's calendar: its starts (earliest first, at most
    `per_day`) and how many more that day had."""

    day: date
    slots: tuple[Slot, ...]
    more: int = 0


@dataclass(frozen=True)
class SlotDays:
    """Every start of the horizon by day (only days with a start), the
    horizon's first and last day in the viewer's zone, or why there is none."""

    days: tuple[SlotDay, ...]
    first_day: date
    last_day: date
    reason: str | None = None
    message: str | None = None

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(slot for day in self.days for slot in day.slots)


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


@dataclass
class _Free:
    """What the search of one call leaves to choose from: each able
    interpreter's free starts (closed ranges stored half-open), on the grid
    from `first` to `last`."""

    first: int
    last: int
    minutes: int
    step: int
    by_interpreter: dict  # id -> (InterpreterTime, starts, session starts)


def _free_starts(*, now, call, client, member, interpreters, rules) -> _Free | SlotSearch:
    """Each interpreter's free starts, or the answer with no slot (its reason)."""
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
    return _Free(first, last, minutes, rules.step_minutes, starts_by_interpreter)


def _busy(rules: SearchRules) -> str:
    return _(
        "No interpreter who could take this call is free at a time that suits "
        "both sides in the next %(days)d days."
    ) % {"days": rules.horizon_days}


def find_slots(
    *,
    now: datetime,
    call: CallNeeds,
    client: Party,
    member: Party,
    interpreters: list[InterpreterTime] | tuple[InterpreterTime, ...],
    rules: SearchRules = DEFAULT_RULES,
) -> SlotSearch:
    free = _free_starts(
        now=now, call=call, client=client, member=member, interpreters=interpreters, rules=rules
    )
    if isinstance(free, SlotSearch):
        return free
    starts_by_interpreter, minutes = free.by_interpreter, free.minutes
    weeks = _Weeks(free.first, free.last)
    slots, alternatives = [], {}
    cursor = free.first
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
            key=lambda i: (weeks.load(i, starts_by_interpreter[i.id][2], best_start), i.id)
        )
        slots.append(Slot(from_epoch(best_start), from_epoch(best_start + minutes), fitting[0].id))
        alternatives[from_epoch(best_start)] = [i.id for i in fitting[1:]]
        cursor = best_start + 1
    if not slots:
        return _none(INTERPRETERS_BUSY, _busy(rules))
    return SlotSearch(tuple(slots), None, None, alternatives)


def find_slot_days(
    *,
    now: datetime,
    call: CallNeeds,
    client: Party,
    member: Party,
    interpreters: list[InterpreterTime] | tuple[InterpreterTime, ...],
    rules: SearchRules = DEFAULT_RULES,
    day_zone: str = "UTC",
) -> SlotDays:
    """Every start of the horizon (the rules and tie rule of `find_slots`, no
    `limit`), grouped by the days of `day_zone`, each day at most
    `rules.per_day` starts (its earliest) with the count of the rest.

    The work is bounded by the horizon: each interpreter's free starts are
    walked once, the interpreter of a start chosen by comparing keys that
    change only from one week to the next."""
    segments = zone_segments(
        day_zone, to_epoch(now) - DAY, to_epoch(now) + (rules.horizon_days + 1) * DAY
    )
    first_day = _local_day(segments, to_epoch(now))
    last_day = _local_day(segments, to_epoch(now) + rules.horizon_days * DAY - 1)
    free = _free_starts(
        now=now, call=call, client=client, member=member, interpreters=interpreters, rules=rules
    )
    if isinstance(free, SlotSearch):
        return SlotDays((), first_day, last_day, free.reason, free.message)
    weeks = _Weeks(free.first, free.last)
    best: dict[int, tuple] = {}
    for interpreter, starts, session_starts in free.by_interpreter.values():
        edges = weeks.edges(interpreter.time_zone)
        keys: dict[int, tuple] = {}  # week -> (load, id): it changes only from week to week
        for start in _grid_starts(starts, free.step):
            week = bisect_right(edges, start)
            key = keys.get(week)
            if key is None:
                load = weeks.load(interpreter, session_starts, start)
                key = keys[week] = (load, interpreter.id)
            held = best.get(start)
            if held is None or key < held:
                best[start] = key
    if not best:
        return SlotDays((), first_day, last_day, INTERPRETERS_BUSY, _busy(rules))
    by_day: dict[date, list[Slot]] = {}
    more: dict[date, int] = {}
    for start in sorted(best):
        day = _local_day(segments, start)
        kept = by_day.setdefault(day, [])
        if len(kept) < rules.per_day:
            kept.append(Slot(from_epoch(start), from_epoch(start + free.minutes), best[start][1]))
        else:
            more[day] = more.get(day, 0) + 1
    days = [SlotDay(day, tuple(slots), more.get(day, 0)) for day, slots in by_day.items()]
    return SlotDays(tuple(days), first_day, last_day)


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


def _grid_starts(starts, step: int):
    """Every grid start inside the (half-open) ranges, in order."""
    for start, end in starts:
        candidate = ceil_to_grid(start, step)
        while candidate < end:
            yield candidate
            candidate = ceil_to_grid(candidate + 1, step)


def _local_day(segments, moment: int) -> date:
    """The date on the wall clock of the zone the segments describe."""
    offset = next((o for a, b, o in segments if a <= moment < b), segments[-1][2])
    return date.fromordinal(date(1970, 1, 1).toordinal() + (moment + offset) // DAY)


class _Weeks:
    """The tie rule's weeks: Monday 00:00 to the next Monday 00:00 on each
    interpreter's clock, as UTC edges read once per zone for the whole search."""

    def __init__(self, first: int, last: int):
        self.first, self.last = first, last
        self._edges: dict[str, list[int]] = {}

    def load(self, interpreter: InterpreterTime, session_starts, start: int) -> int:
        """How many of the interpreter's sessions start in the week (their zone) of `start`."""
        lo, hi = self.week(interpreter.time_zone, start)
        return bisect_left(session_starts, hi) - bisect_left(session_starts, lo)

    def week(self, zone_name: str, start: int) -> tuple[int, int]:
        edges = self.edges(zone_name)
        k = bisect_right(edges, start)
        return edges[k - 1], edges[k]

    def edges(self, zone_name: str) -> list[int]:
        """The first instant of each local week from before `first` to after `last`."""
        if zone_name not in self._edges:
            lo, hi = self.first - 8 * DAY, self.last + 8 * DAY
            segments = zone_segments(zone_name, lo, hi)
            day = (lo + segments[0][2]) // DAY + 1
            monday = day + (-(day + EPOCH_WEEKDAY)) % 7  # the first Monday from `day` on
            edges = []
            while not edges or edges[-1] <= self.last:
                week = local_span_to_utc(segments, monday * DAY, (monday + 7) * DAY)
                edges.append(week[0][0])
                monday += 7
            self._edges[zone_name] = edges
        return self._edges[zone_name]
