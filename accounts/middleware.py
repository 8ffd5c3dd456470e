"""Speak each signed-in person's own language, the one in their profile.

Runs after LocaleMiddleware and AuthenticationMiddleware: the profile wins
over the browser's Accept-Language; the language switch updates the profile.
"""

from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
