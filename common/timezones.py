"""The time zones a person, member or session can be in: real IANA zones where
people live, grouped by country, and the one check every door uses.

The list is tzdata's `zone.tab` (one canonical zone per inhabited region, by
ISO country), without Antarctica's research stations, plus "UTC" for offices
that keep it. Not accepted: aliases and technical zones such as "localtime",
"Factory", "Etc/GMT+3", "EST5EDT" or "US/Eastern" — they name no place, or a
place by an old name, and some silently mean the server's own zone.

Every zone field uses it: the model validator (people, members, agencies),
the admin's pickers (`grouped_choices`: a select with one group per country),
the API (accounts.services.user_preferences_update).
"""

from __future__ import annotations

import functools
from importlib import resources

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UTC = "UTC"
SKIPPED_PREFIXES = ("Antarctica/",)


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def zones_by_country() -> dict[str, list[str]]:
    """{country name: [zone, ...]} sorted by country, then zone."""
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    grouped: dict[str, list[str]] = {}
    for row in _table("zone.tab"):
        code, zone = row[0], row[2]
        if not zone.startswith(SKIPPED_PREFIXES):
            grouped.setdefault(countries.get(code, code), []).append(zone)
    return {country: sorted(grouped[country]) for country in sorted(grouped)}


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset({UTC, *(z for zones in zones_by_country().values() for z in zones)})


def is_known_zone(value) -> bool:
    return isinstance(value, str) and value in known_zones()


def validate_time_zone(value) -> None:
    """Django validator: a zone from the list, or a readable error."""
    if not is_known_zone(value):
        raise ValidationError(
            _("“%(value)s” is not a time zone people live in; choose a city’s zone."),
            params={"value": str(value)[:64]},
            code="bad_time_zone",
        )


def _city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def time_zone_form_field(**kwargs) -> forms.ChoiceField:
    """The picker every form uses: a select with a group per country."""
    kwargs.setdefault("label", _("time zone"))
    return forms.ChoiceField(choices=grouped_choices, **kwargs)


def grouped_choices(*, blank: bool = False) -> list:
    """Choices for a select with one group per country ("Ukraine": "Kyiv"...)."""
    choices: list = [("", "—")] if blank else []
    choices.append((UTC, UTC))
    for country, zones in zones_by_country().items():
        if len(zones) == 1:
            choices.append((zones[0], f"{country} — {_city(zones[0])}"))
        else:
            choices.append((country, [(zone, f"{_city(zone)} ({zone})") for zone in zones]))
    return choices
