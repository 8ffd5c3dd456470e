"""Windows as people type them, one a line, and back.

    mon-fri 09:00-18:00          weekly (also "mon, wed 08:00-11:00", "daily 10:00-24:00",
                                 Russian days "пн-пт 09:00-18:00")
    2027-03-29 15:00-20:00       dated, within one day
    2027-03-29 22:00 - 2027-03-30 02:00
    2027-03-31                   a whole day (time off); "2027-03-31 - 2027-04-02" whole days

The result is the JSON form of `scheduling.windows` (the finder's, the API's).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .windows import WEEKDAYS, WindowError, parse_window, windows_as_data

RUSSIAN_DAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
EVERY_DAY = {"daily", "every day", "ежедневно", "каждый день", "all", "все"}

_TIME = r"(\d{1,2}:\d{2})"
_DATE = r"(\d{4}-\d{2}-\d{2})"
_DASH = r"\s*[-–—]\s*"
_SAME_DAY = re.compile(rf"^{_DATE}\s+{_TIME}{_DASH}{_TIME}$")
_SPAN = re.compile(rf"^{_DATE}[ T]{_TIME}{_DASH}{_DATE}[ T]{_TIME}$")
_DAYS = re.compile(rf"^{_DATE}(?:{_DASH}{_DATE})?$")
_WEEKLY = re.compile(rf"^(.+?)\s+{_TIME}{_DASH}{_TIME}$")


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _day_number(word: str) -> int:
    word = word.strip().lower()[:3]
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    if word[:2] in RUSSIAN_DAYS:
        return RUSSIAN_DAYS.index(word[:2])
    raise WindowError(f"unknown day {word!r}")


def _days(text: str) -> list[str]:
    text = text.strip().lower()
    if text in EVERY_DAY:
        return list(WEEKDAYS)
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*|\s+", text):
        if not part:
            continue
        if re.search(r"[-–—]", part):
            first, last = (_day_number(p) for p in re.split(r"[-–—]", part, maxsplit=1))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            numbers.extend(span)
        else:
            numbers.append(_day_number(part))
    return [WEEKDAYS[n] for n in sorted(set(numbers))]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise WindowError(f"{text!r} is not a real date") from exc


def parse_line(line: str) -> dict:
    line = " ".join(line.split())
    if match := _SAME_DAY.match(line):
        day, start, end = match.groups()
        data = {"from": f"{day}T{_hhmm(start)}", "to": f"{day}T{_hhmm(end)}"}
        if _hhmm(end) == "24:00":
            data["to"] = f"{_date(day) + timedelta(days=1)}T00:00"
    elif match := _SPAN.match(line):
        first, start, last, end = match.groups()
        data = {"from": f"{first}T{_hhmm(start)}", "to": f"{last}T{_hhmm(end)}"}
    elif match := _DAYS.match(line):
        first, last = match[1], match[2] or match[1]
        data = {"from": f"{_date(first)}T00:00", "to": f"{_date(last) + timedelta(days=1)}T00:00"}
    elif match := _WEEKLY.match(line):
        days, start, end = match.groups()
        data = {"days": _days(days), "from": _hhmm(start), "to": _hhmm(end)}
    else:
        raise WindowError(f"can't read {line!r}")
    parse_window(data)  # the same checks as every other door
    return data


def parse_text(text: str) -> list[dict]:
    """Every non-empty line as a window; raises WindowError naming the line."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            try:
                out.append(parse_line(line))
            except WindowError as exc:
                raise WindowError(f"line {number}: {exc}") from exc
    return out


def as_text(data, *, language: str = "en") -> str:
    """Windows one a line, days named in the reader's language (both read back)."""
    names = RUSSIAN_DAYS if language.startswith("ru") else WEEKDAYS
    lines = []
    for window in data or []:
        if "days" in window:
            numbers = [WEEKDAYS.index(d) for d in window["days"]]
            days = [names[n] for n in numbers]
            if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
                label = f"{days[0]}-{days[-1]}"
            else:
                label = ", ".join(days)
            lines.append(f"{label} {window['from']}-{window['to']}")
        else:
            start, end = window["from"].replace("T", " "), window["to"].replace("T", " ")
            if start[:10] == end[:10]:
                lines.append(f"{start}-{end[11:]}")
            elif start[11:] == end[11:] == "00:00":
                last = date.fromisoformat(end[:10]) - timedelta(days=1)
                lines.append(start[:10] if str(last) == start[:10] else f"{start[:10]} - {last}")
            else:
                lines.append(f"{start} - {end}")
    return "\n".join(lines)


def normalise(data) -> list[dict]:
    """JSON windows (the API's) checked and written the one way they are stored."""
    from .windows import parse_windows

    return windows_as_data(parse_windows(data))
