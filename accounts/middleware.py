"""Speak each signed-in person's own language and show their own time zone.

Runs after LocaleMiddleware and AuthenticationMiddleware: the profile wins
over the browser's Accept-Language; the language switch updates the profile.
The profile's time zone becomes Django's current time zone for the request,
so dates rendered by templates and the admin are the reader's local time.
"""

from django.utils import timezone

from common.person_locale import activate_person_locale


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_person_locale(request, language=user.language, time_zone=user.time_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
