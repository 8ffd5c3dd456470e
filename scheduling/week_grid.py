"""Weekly hours as a grid of (day, hour) cells, for a page that works on a phone.

`cells_from_windows` marks every whole hour a weekly window covers;
`windows_from_cells` turns ticked cells back into weekly windows, one per run
of consecutive hours, days with the same runs sharing a window.
"""

from __future__ import annotations

from .windows import WEEKDAYS, format_minute


def cells_from_windows(windows: list[dict]) -> set[tuple[int, int]]:
    cells = set()
    for window in windows or []:
        if "days" not in window:
            continue
        start = int(window["from"][:2]) * 60 + int(window["from"][3:])
        end = int(window["to"][:2]) * 60 + int(window["to"][3:])
        for day in window["days"]:
            for hour in range(24):
                if start <= hour * 60 and (hour + 1) * 60 <= end:
                    cells.add((WEEKDAYS.index(day), hour))
    return cells


def windows_from_cells(cells) -> list[dict]:
    runs_by_day: dict[int, tuple] = {}
    for day in range(7):
        hours = sorted(h for d, h in cells if d == day)
        runs, start = [], None
        for index, hour in enumerate(hours):
            if start is None:
                start = hour
            if index + 1 == len(hours) or hours[index + 1] != hour + 1:
                runs.append((start, hour + 1))
                start = None
        if runs:
            runs_by_day[day] = tuple(runs)
    grouped: dict[tuple, list[int]] = {}
    for day, runs in runs_by_day.items():
        grouped.setdefault(runs, []).append(day)
    windows = []
    for runs, days in sorted(grouped.items(), key=lambda item: item[1]):
        for start, end in runs:
            windows.append(
                {
                    "days": [WEEKDAYS[d] for d in days],
                    "from": format_minute(start * 60),
                    "to": format_minute(end * 60),
                }
            )
    return windows


def weekly_only(windows: list[dict]) -> list[dict]:
    return [w for w in windows or [] if "days" in w]


def dated_only(windows: list[dict]) -> list[dict]:
    return [w for w in windows or [] if "days" not in w]


def weekly_after_edit(old_weekly: list[dict], cells) -> list[dict]:
    """The weekly windows once the grid is saved. A day whose ticked hours are
    what the old windows showed keeps its windows exactly (half hours set in the
    admin are not rounded off by a save that did not touch them); a day the
    person changed takes the grid's whole hours."""
    shown = cells_from_windows(old_weekly)

    def hours_of(day, marked):
        return {hour for d, hour in marked if d == day}

    changed = {day for day in range(7) if hours_of(day, shown) != hours_of(day, cells)}
    kept = []
    for window in old_weekly:
        days = [day for day in window["days"] if WEEKDAYS.index(day) not in changed]
        if days:
            kept.append({**window, "days": days})
    return kept + windows_from_cells({(d, h) for d, h in cells if d in changed})
