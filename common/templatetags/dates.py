"""Template filters for the date policy of common/dates.py (a builtin: no {% load %}).

{{ session.starts_at|when }}                today, 5:55 PM / сегодня, 17:55
{{ session.starts_at|when_in:member_tz }}   the member's wall clock, with the zone if not yours
{{ session.starts_at|when_long }}           Wednesday, Nov 25, 5:55 PM / среда, 25 ноября, 17:55
{{ entry.created_at|when_full }}            Nov 25, 2026, 5:55 PM (no "today"; lists, CSV)
{{ session.starts_at|until:session.planned_end }}   today, 5:55 – 6:25 PM
{{ session.starts_at|on_at }}               Nov 26 at 1:04 AM / 26 ноября в 01:04 (in sentences)
{{ session.starts_at|clock }}  {{ d|day }}  {{ session.starts_at|in_words }}
{{ month|month_in_sentence }}               December 2026 / декабрь 2026 (mid-sentence)
"""

from django import template

from common import dates

register = template.Library()


@register.filter
def when(value, tz=None):
    return dates.format_datetime(value, tz=tz) if value else ""


@register.filter
def when_in(value, tz):
    """In another person's zone; says the zone when it is not the reader's."""
    return dates.format_datetime(value, tz=tz) if value else ""


@register.filter
def when_long(value, tz=None):
    return dates.format_datetime(value, tz=tz, weekday=True) if value else ""


@register.filter
def when_full(value, tz=None):
    return dates.format_datetime(value, tz=tz, relative=False) if value else ""


@register.filter
def on_at(value, tz=None):
    """Inside a sentence: "Nov 26 at 1:04 AM" / "26 ноября в 01:04"."""
    return dates.format_moment(value, tz=tz) if value else ""


@register.filter
def on_at_zoned(value, tz=None):
    """The same, always with the zone: "26 ноября в 01:04 (Europe/Kyiv)" (emails)."""
    return dates.format_moment(value, tz=tz, zone=True) if value else ""


@register.filter
def until(start, end):
    return dates.format_range(start, end) if start and end else ""


@register.filter
def clock(value, tz=None):
    return dates.format_time(value, tz=tz) if value else ""


@register.filter
def day(value, tz=None):
    return dates.format_date(value, tz=tz) if value else ""


@register.filter
def in_words(value, now=None):
    return dates.in_words(value, now=now or None) if value else ""


@register.filter
def long_day(value, tz=None):
    """A day with its weekday: "Wednesday, Nov 25" / "среда, 25 ноября"."""
    return dates.format_date(value, tz=tz, weekday=True) if value else ""


@register.filter
def month_in_sentence(value):
    return dates.format_month(value, in_sentence=True) if value else ""
