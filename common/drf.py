"""The DRF classes named in settings.REST_FRAMEWORK that DRF imports while it
loads: token authentication that expires, a size-limited JSON parser and the
paginator. Kept apart from common/api.py, which imports DRF's views and so
can't be imported by DRF's settings without a cycle.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers
from rest_framework.authentication import TokenAuthentication
from rest_framework.pagination import PageNumberPagination


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once older than API_TOKEN_MAX_AGE_DAYS."""

    def authenticate_credentials(self, key):
        # DRF's keys are 40 hex digits; anything else (a NUL byte would make
        # PostgreSQL raise) is refused without a query.
        if not (len(key) == 40 and key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = super().authenticate_credentials(key)
        max_age = timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)
        if token.created < timezone.now() - max_age:
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."))
        return user, token


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


# No request of ours nests deeper than a few levels (a list of numbers in an
# object); a body nested hundreds deep is an attack on the parser's recursion.
MAX_JSON_DEPTH = 32


def _check_json(data) -> None:
    """Refuse nesting beyond MAX_JSON_DEPTH and text that is not valid Unicode
    (a lone surrogate such as "\\ud800" can't be written back out as UTF-8,
    so an error message that quotes it would fail). Iterative: no recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            values = [value]
        elif isinstance(value, dict):
            values = list(value.keys())
            children = list(value.values())
        elif isinstance(value, list):
            values, children = [], value
        else:
            continue
        for text in values:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError(
                    _("The JSON has text that is not valid Unicode.")
                ) from None
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise exceptions.ParseError(
                    _("The JSON is nested too deeply (at most %(depth)s levels).")
                    % {"depth": MAX_JSON_DEPTH}
                )
            stack.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """JSON with limits: size (DATA_UPLOAD_MAX_MEMORY_SIZE: DRF streams the
    body past Django's own check, so an enormous body would be read whole),
    depth and valid Unicode (`_check_json`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge()
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("The JSON is nested too deeply (at most %(depth)s levels).")
                % {"depth": MAX_JSON_DEPTH}
            ) from None
        _check_json(data)
        return data


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
