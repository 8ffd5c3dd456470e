"""Hostile input stopped at the door, before any view or database sees it.

- A NUL character in the query string or form fields is refused with a 400:
  no text of ours has one, and PostgreSQL refuses it in any string, so a page
  or search that passed one on to a query would answer 500. One place for
  every door (pages, admin, API forms); Django's form CharFields also refuse
  it, but searches and filters read the raw parameters.
- A malformed session cookie is dropped: it is no session, not an error.
- A number too large for the database driver is a 400.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query_dict) -> bool:
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in query_dict.lists()
    )


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        suspicious = "\x00" in request.path or _has_nul(request.GET)
        if not suspicious and request.content_type in FORM_TYPES:
            suspicious = _has_nul(request.POST)
        if suspicious:
            return _bad_request(request, _("The request contains a NUL character."))
        return self.get_response(request)


def _bad_request(request, message):
    if request.path.startswith("/api/"):
        # The API's one error shape (common/api.py).
        body = {"code": "invalid", "message": message, "errors": {}}
        return JsonResponse(body, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class RefuseOversizedNumbersMiddleware:
    """A number beyond what the database driver can carry (SQLite takes 64-bit
    integers; a multiple-choice field passes typed ids straight to `pk__in`)
    is bad input, a 400, not a 500. PostgreSQL's ranges are handled by Django's
    lookups; this covers the embedded database of `bin/run`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return _bad_request(request, _("A number in the request is too large."))
        return None


class DropMalformedSessionCookieMiddleware:
    """Forget a session cookie that no session of ours can have, before
    SessionMiddleware reads it (it must come first in MIDDLEWARE).

    Django accepts any cookie value of 8 or more characters as a session key
    and looks it up; on PostgreSQL a value with a NUL byte makes that lookup
    raise (a 500 for a forged cookie). Django's own keys are lowercase ASCII
    letters and digits, so anything else is simply no session: the request
    goes on as signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = settings.SESSION_COOKIE_NAME
        key = request.COOKIES.get(name)
        if key is not None and not is_possible_session_key(key):
            del request.COOKIES[name]
        return self.get_response(request)


def is_possible_session_key(key: str) -> bool:
    return key.isascii() and key.isalnum()
