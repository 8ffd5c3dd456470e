"""Speak each signed-in person's own language and show their own time zone.

Runs after LocaleMiddleware and AuthenticationMiddleware: the profile wins
over the browser's Accept-Language; the language switch updates the profile.
The profile's time zone becomes Django's current time zone for the request,
so dates rendered by templates and the admin are the reader's local time.
"""

import zoneinfo

from django.utils import timezone, translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        if signed_in and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
