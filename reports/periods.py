"""The period a report covers: a week, a month, a quarter or custom days, in the reader's zone.

Boundaries are local midnights computed in the zone, then converted to UTC, so
a week that contains a daylight-saving change is 167 or 169 hours long and
still starts and ends at midnight on the reader's wall clock. Queries compare
UTC instants (`start <= t < end`); buckets (weeks, months) are truncated in
the same zone by the database.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

WEEK, MONTH, QUARTER, CUSTOM = "week", "month", "quarter", "custom"
KINDS = {
    WEEK: _("Week"),
    MONTH: _("Month"),
    QUARTER: _("Quarter"),
    CUSTOM: _("Custom"),
}
# A custom period longer than this would make charts unreadable and queries long.
MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True)
class Period:
    kind: str
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive
    zone: str

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone)

    @property
    def start(self) -> datetime:
        """The first instant (UTC): local midnight of the first day."""
        return local_midnight(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC): local midnight after the last day."""
        return local_midnight(self.last_day + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period | None:
        if self.kind == CUSTOM:
            return None
        return period_of(self.kind, self.first_day - timedelta(days=1), self.zone)

    def next(self) -> Period | None:
        if self.kind == CUSTOM:
            return None
        return period_of(self.kind, self.last_day + timedelta(days=1), self.zone)

    def query(self) -> str:
        """The GET parameters that name this period (links to it, exports of it)."""
        if self.kind == CUSTOM:
            return f"period=custom&from={self.first_day.isoformat()}&to={self.last_day.isoformat()}"
        return f"period={self.kind}&on={self.first_day.isoformat()}"

    def weeks(self) -> list[date]:
        """Mondays of the weeks that meet the period (local dates)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        found = []
        while monday <= self.last_day:
            found.append(monday)
            monday += timedelta(days=7)
        return found

    def months(self) -> list[date]:
        """First days of the months that meet the period (local dates)."""
        month = self.first_day.replace(day=1)
        found = []
        while month <= self.last_day:
            found.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return found


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first instant of `day` in `tz`, in UTC. Where midnight is skipped by a
    change (a few zones move at 00:00), the day starts at the first wall time
    that exists: the instant the clock jumped."""
    wall = datetime.combine(day, time(0), tzinfo=tz)
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        # A non-existent wall time: take the jump's instant (the later offset).
        instant = wall.replace(fold=1).astimezone(UTC)
    return instant


def period_of(kind: str, day: date, zone: str) -> Period:
    """The week (Monday to Sunday), month or quarter that contains `day`."""
    if kind == WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6), zone)
    if kind == MONTH:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(kind, first, last, zone)
    if kind == QUARTER:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        last = (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        return Period(kind, first, last, zone)
    raise ValueError(kind)


def custom_period(first: date, last: date, zone: str) -> Period:
    return Period(CUSTOM, first, last, zone)
