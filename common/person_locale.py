"""Speak a person's language and show their time zone for one request.

One rule for every door (pages through accounts' middleware, the API after
DRF has authenticated the token): the person's language if set, their zone
if it is a real one, UTC otherwise.
"""

import zoneinfo

from django.utils import timezone, translation


def activate_person_locale(request, *, language: str, time_zone: str) -> None:
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    try:
        timezone.activate(zoneinfo.ZoneInfo(time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo("UTC"))
