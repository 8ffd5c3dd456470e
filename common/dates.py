"""How dates and times read, in one place for pages, admin, emails and CSV.

The policy, per language:
- the formats are the locale's (common/formats/<lang>/formats.py, Django's
  FORMAT_MODULE_PATH, so the admin's `{{ value }}` follows them too): English
  "Nov 25, 2026, 5:55 PM" (12-hour, as the locale has it), Russian
  "25 ноября 2026, 17:55" (24-hour, months in the genitive);
- near dates say "today", "tomorrow" or "yesterday" ("сегодня, 17:55"), and
  the year is left out within the current year;
- a weekday, where asked for, is lower case in Russian ("среда, 25 ноября");
- a time shown in a zone that is not the reader's says which zone
  ("19:00 (Europe/Kyiv)"), and only then;
- how soon, in words: "in 3 hours", "через 3 часа".

Every function formats in the active language; times are converted from UTC to
the zone given, or to the current (reader's) zone. Arithmetic stays in UTC:
"today" compares calendar dates in the zone shown.
"""

from __future__ import annotations

import importlib
import zoneinfo
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone, translation
from django.utils.dateformat import format as dj_format
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from common.caches import settings_cache

SUPPORTED = ("en", "ru")


def _language() -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return language if language in SUPPORTED else "en"


def _policy(name: str, language: str | None = None) -> str:
    """A format of the policy that Django's get_format does not know (weekday, day)."""
    return _policy_in(name, language or _language())


@settings_cache(maxsize=64)
def _policy_in(name: str, language: str) -> str:
    return getattr(importlib.import_module(f"common.formats.{language}.formats"), name)


@settings_cache(maxsize=4096)
def _format_cached(value: date | time, format_string: str, language: str) -> str:
    return dj_format(value, format_string)


# Format characters that read a time's seconds or microseconds (Django's date
# format); a format without them gives the same text for the whole minute.
_SECOND_CHARACTERS = frozenset("suvU")


def _format(value: date | time, format_string: str, language: str | None = None) -> str:
    """Django's formatter for a calendar day or a wall-clock time, remembered
    per language. A list repeats the same days and times, and one pass of the
    formatter costs ~15 µs. Only naive values (the zone already applied, a
    `date` that is not a datetime) are asked for, so the same key is always the
    same text. A time is remembered by its minute when the format shows no
    seconds, so that the cache holds a day's minutes, not every instant."""
    if isinstance(value, datetime):
        raise TypeError("_format takes a date or a time, not a datetime")
    if isinstance(value, time) and not _SECOND_CHARACTERS & set(format_string):
        value = value.replace(second=0, microsecond=0)
    return _format_cached(value, format_string, language or _language())


def _zone(tz) -> tzinfo:
    if tz is None or tz == "":
        return timezone.get_current_timezone()
    if isinstance(tz, str):
        return zoneinfo.ZoneInfo(tz)
    return tz


def zone_name(tz) -> str:
    zone = _zone(tz)
    return getattr(zone, "key", None) or str(zone)


def is_readers_zone(tz) -> bool:
    if tz is None or tz == "":  # no zone given is the reader's (_zone)
        return True
    return zone_name(tz) == zone_name(None)


def local(value: datetime, tz=None) -> datetime:
    """An aware datetime as the wall clock in `tz` (default: the reader's zone)."""
    return timezone.localtime(value, _zone(tz))


def _lower_weekday(text: str) -> str:
    # Russian weekdays and months are common nouns: "среда", not "Среда", mid-phrase.
    return text[:1].lower() + text[1:] if _language() == "ru" else text


def format_date(value: date | datetime, *, tz=None, weekday: bool = False) -> str:
    """ "Nov 25, 2026" / "25 ноября 2026"; with the weekday: "Wednesday, Nov 25"."""
    if isinstance(value, datetime):
        value = local(value, tz).date()
    if weekday:
        text = _lower_weekday(_format(value, _policy("WEEKDAY_DATE_FORMAT")))
        return text if value.year == timezone.now().year else f"{text} {value.year}"
    return _format(value, get_format("DATE_FORMAT"))


def format_month(value: date, *, in_sentence: bool = False) -> str:
    """ "December 2026" / "Декабрь 2026"; inside a sentence a Russian month is a
    common noun: "Отчёт о комиссии, декабрь 2026"."""
    if isinstance(value, datetime):
        value = value.date()
    text = _format(value.replace(day=1), get_format("YEAR_MONTH_FORMAT"))
    return _lower_weekday(text) if in_sentence else text


def format_time(value: datetime, *, tz=None) -> str:
    """ "5:55 PM" / "17:55"."""
    return _format(local(value, tz).time(), get_format("TIME_FORMAT"))


def _day_words(day: date, today: date) -> str | None:
    offset = (day - today).days
    if offset == 0:
        return pgettext("day", "today")
    if offset == 1:
        return pgettext("day", "tomorrow")
    if offset == -1:
        return pgettext("day", "yesterday")
    return None


def format_day(value: datetime, *, tz=None, now: datetime | None = None, weekday=False) -> str:
    """The calendar day of `value` in `tz`, as near words where they help:
    "today", "tomorrow", else "Nov 25" (this year) or "Nov 25, 2026"."""
    zone = _zone(tz)
    day = local(value, zone).date()
    today = local(now or timezone.now(), zone).date()
    words = _day_words(day, today)
    if words:
        return words
    if weekday:
        return format_date(day, weekday=True)
    return _format(day, _day_format(day, today))


def _day_format(day: date, today: date, language: str | None = None) -> str:
    """How a day with no near word reads: without the year within this one."""
    if day.year == today.year:
        return _policy("DAY_MONTH_FORMAT", language)
    return get_format("DATE_FORMAT", language)


def format_datetime(
    value: datetime | None,
    *,
    tz=None,
    now: datetime | None = None,
    relative: bool = True,
    weekday: bool = False,
    zone: bool | None = None,
) -> str:
    """One moment as people read it in the active language.

    relative: "today, 5:55 PM" and no year within this year; else the full
    "Nov 25, 2026, 5:55 PM" (CSV, audit rows). zone: None says the zone only
    when it is not the reader's; True always; False never.
    """
    if value is None:
        return ""
    zone_info = _zone(tz)
    moment = timezone.localtime(value, zone_info)
    if not relative:
        text = dj_format(moment, get_format("DATETIME_FORMAT"))
    elif weekday:
        day = format_day(value, tz=zone_info, now=now, weekday=True)
        text = f"{day}, {format_time(value, tz=zone_info)}"
    else:
        # "Nov 25, 5:55 PM", "сегодня, 17:55" (a list of calls formats one a row).
        day = moment.date()
        today = timezone.localtime(now or timezone.now(), zone_info).date()
        language = _language()  # read once: each read of it costs a context lookup
        day_text = _day_words(day, today) or _format(
            day, _day_format(day, today, language), language
        )
        time_text = _format(moment.time(), get_format("TIME_FORMAT", language), language)
        text = f"{day_text}, {time_text}"
    return with_zone(text, tz, zone)


def format_range(
    start: datetime, end: datetime, *, tz=None, now=None, weekday=False, zone=None
) -> str:
    """ "today, 5:55 – 6:25 PM" / "сегодня, 17:55–18:25"; the end's day too if it differs."""
    same_day = local(start, tz).date() == local(end, tz).date()
    if not same_day:
        text = (
            f"{format_datetime(start, tz=tz, now=now, weekday=weekday, zone=False)} – "
            f"{format_datetime(end, tz=tz, now=now, zone=False)}"
        )
    else:
        day = format_day(start, tz=tz, now=now, weekday=weekday)
        text = f"{day}, {format_time(start, tz=tz)} – {format_time(end, tz=tz)}"
    return with_zone(text, tz, zone)


def format_moment(value: datetime | None, *, tz=None, zone: bool | None = None) -> str:
    """A moment inside a sentence, without "today" (messages are read later):
    "Nov 26 at 1:04 AM", "26 ноября в 01:04" (the year only if not this year)."""
    if value is None:
        return ""
    day = local(value, tz).date()
    if day.year == local(timezone.now(), tz).year:
        day_text = _format(day, _policy("DAY_MONTH_FORMAT"))
    else:
        day_text = format_date(day)
    text = pgettext("moment", "%(day)s at %(time)s") % {
        "day": day_text,
        "time": format_time(value, tz=tz),
    }
    return with_zone(text, tz, zone)


def with_zone(text: str, tz, zone: bool | None = None) -> str:
    show = (not is_readers_zone(tz)) if zone is None else zone
    return f"{text} ({zone_name(tz)})" if show else text


def in_words(value: datetime, *, now: datetime | None = None) -> str:
    """How soon (or how long ago), roughly: "in 3 hours", "через 25 минут"."""
    delta = value - (now or timezone.now())
    ahead = delta >= timedelta(0)
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return _("now")
    minutes = round(seconds / 60)
    if minutes < 60:
        if ahead:
            return ngettext("in %(count)d minute", "in %(count)d minutes", minutes) % {
                "count": minutes
            }
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {
            "count": minutes
        }
    hours = round(seconds / 3600)
    if hours < 36:
        if ahead:
            return ngettext("in %(count)d hour", "in %(count)d hours", hours) % {"count": hours}
        return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}
    days = round(seconds / 86400)
    if ahead:
        return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
    return ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}
