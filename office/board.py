"""The operator's week board: interpreters as rows, the seven days of a week as
columns (each a 24-hour strip in the operator's zone), working hours shaded,
sessions as blocks (overdue ones marked), and, for a call being scheduled, its
proposals as blocks to click. A read: no writes here."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import Role, User
from calls.models import BLOCKING_STATUSES, Session, SessionStatus
from calls.services.slots import call_slot_search, slot_value
from common import dates
from common.call_numbers import call_number
from common.localtime import local_day_start
from scheduling.languages import read_stored
from scheduling.models import WorkingTime
from scheduling.windows import from_epoch, merge, subtract, to_epoch, window_intervals
from scheduling.windows import parse_windows as _parse


@dataclass
class Block:
    left: float  # percent of the day strip
    width: float
    label: str = ""
    kind: str = "work"  # work | session | overdue | proposal
    value: str = ""  # a proposal's slot value, to schedule it
    title: str = ""
    time: str = ""  # the start on the viewer's clock, as the date policy writes it


@dataclass
class Row:
    name: str
    time_zone: str
    languages: str
    days: list[list[Block]] = field(default_factory=list)


def _day_bounds(day: date, zone) -> tuple[int, int]:
    return (
        to_epoch(local_day_start(day, zone)),
        to_epoch(local_day_start(day + timedelta(days=1), zone)),
    )


def _blocks(intervals, bounds, **kwargs) -> list[Block]:
    lo, hi = bounds
    out = []
    for a, b in intervals:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            out.append(
                Block(left=100 * (a - lo) / (hi - lo), width=100 * (b - a) / (hi - lo), **kwargs)
            )
    return out


# Interpreters on one page of the board: with thousands, the board is read a
# language and a page at a time, never all rows at once.
BOARD_PAGE = 25


def board_languages() -> list[str]:
    """The languages the active interpreters speak (the board's language choice)."""
    spoken = User.objects.filter(role=Role.INTERPRETER, is_active=True).values_list(
        "languages", flat=True
    )
    return sorted({code for text in spoken for code in read_stored(text)})


def week_board(
    *,
    viewer_zone: str,
    week_of: date,
    call=None,
    now=None,
    language: str = "",
    page: int = 1,
    per_page: int = BOARD_PAGE,
) -> dict:
    """One week for one page of interpreters (those speaking `language`, if
    given; with a call and no language, those with free time for it)."""
    zone = zoneinfo.ZoneInfo(viewer_zone)
    monday = week_of - timedelta(days=week_of.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    bounds = [_day_bounds(d, zone) for d in days]
    lo, hi = bounds[0][0], bounds[-1][1]
    proposals: dict[int, list] = {}
    found = None
    if call is not None:
        found = call_slot_search(call, limit=60, now=now)
        for proposal in found.proposals:
            proposals.setdefault(proposal.interpreter.pk, []).append(proposal)
    working_times = WorkingTime.objects.filter(
        interpreter__role=Role.INTERPRETER, interpreter__is_active=True
    )
    if language:
        # Codes are stored as "en, ru": a word match, not a substring of another code.
        working_times = working_times.filter(
            interpreter__languages__regex=rf"(^|[ ,]){re.escape(language)}($|[ ,])"
        )
    elif call is not None:
        working_times = working_times.filter(interpreter_id__in=list(proposals))
    page = max(page, 1)
    start = (page - 1) * per_page
    people = list(
        working_times.order_by(
            "interpreter__last_name", "interpreter__first_name", "interpreter_id"
        ).values_list(
            "interpreter_id",
            "interpreter__first_name",
            "interpreter__last_name",
            "interpreter__username",
            "interpreter__time_zone",
            "interpreter__languages",
            "hours",
            "extra",
            "off",
        )[start : start + per_page + 1]
    )
    has_next = len(people) > per_page
    people = people[:per_page]
    sessions: dict[int, list] = {}
    for pk, starts_at, ends_at, status, call_id in Session.objects.filter(
        interpreter_id__in=[person[0] for person in people],
        status__in=BLOCKING_STATUSES,
        starts_at__lt=from_epoch(hi),
        planned_end__gt=from_epoch(lo),
    ).values_list("interpreter_id", "starts_at", "planned_end", "status", "call_id"):
        sessions.setdefault(pk, []).append((starts_at, ends_at, status, call_id))
    rows = []
    for pk, first, last, username, tz, languages, hours, extra, off in people:
        working = subtract(
            merge(
                window_intervals(tz, _parse(hours or []), lo, hi)
                + window_intervals(tz, _parse(extra or []), lo, hi)
            ),
            window_intervals(tz, _parse(off or []), lo, hi),
        )
        row = Row(name=f"{first} {last}".strip() or username, time_zone=tz, languages=languages)
        for day_bounds in bounds:
            blocks = _blocks(working, day_bounds, kind="work")
            for starts_at, ends_at, status, call_id in sessions.get(pk, []):
                overdue = status == SessionStatus.OVERDUE
                at = dates.format_time(starts_at, tz=zone)
                blocks += _blocks(
                    [(to_epoch(starts_at), to_epoch(ends_at))],
                    day_bounds,
                    kind="overdue" if overdue else "session",
                    label=call_number(call_id),
                    title=f"{call_number(call_id)} {at}",
                    time=at,
                )
            # One free time per hour (its first proposed start): shaded on the
            # strip, and a button of its own under it (a strip's hour is a few
            # pixels wide at a week's scale: too thin to click or to label).
            hours_seen = set()
            for proposal in proposals.get(pk, []):
                start = to_epoch(proposal.starts_at)
                hour = start - start % 3600
                if hour in hours_seen:
                    continue
                hours_seen.add(hour)
                blocks += _blocks(
                    [(hour, hour + 3600)],
                    day_bounds,
                    kind="proposal",
                    value=slot_value(proposal),
                    title=dates.format_time(proposal.starts_at, tz=zone),
                    time=dates.format_time(proposal.starts_at, tz=zone),
                )
            blocks.sort(key=lambda block: block.left)
            row.days.append(blocks)
        rows.append(row)
    return {
        "days": days,
        "rows": rows,
        "monday": monday,
        "found": found,
        "page": page,
        "has_next": has_next,
        "language": language,
    }
