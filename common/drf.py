"""The DRF classes named in settings.REST_FRAMEWORK that DRF imports while it
loads: hashed token authentication that expires, a bounded JSON parser and the
paginator. Kept apart from common/api.py, which imports DRF's views and so
can't be imported by DRF's settings without a cycle.
"""

from __future__ import annotations

import functools
import string

from django.conf import settings
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions, parsers
from rest_framework.pagination import PageNumberPagination

HEX_DIGITS = frozenset(string.hexdigits.lower())
# Knox's tokens are 64 hex digits; the 40-digit ones were issued before the
# tokens were hashed (carried over by accounts/migrations/0003, until they expire).
TOKEN_LENGTHS = (64, 40)


class ExpiringTokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>` against django-rest-knox's hashed tokens.

    The database keeps only a SHA-512 digest and the first 15 characters. Knox's
    own check decodes the header unguarded (bytes that are not UTF-8 would be
    a 500) and answers an expired token as merely "invalid"; this one refuses
    anything that is not a token's hex digits without a query, and says when
    a token has expired (then deletes it).
    """

    def authenticate_credentials(self, token: bytes):
        key = token.decode("ascii", errors="replace")
        if not (len(key) in TOKEN_LENGTHS and all(c in HEX_DIGITS for c in key)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = (
            get_token_model()
            .objects.select_related("user")
            .filter(digest=hash_token(key), token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
            .first()
        )
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if row.expiry is not None and row.expiry <= timezone.now():
            row.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired; ask for a new one."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return row.user, row


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

    def __init__(self, read_page=None):
        # `read_page(sliced queryset)` reads a page's objects (common.api.paginated_response).
        if read_page is not None:
            self.django_paginator_class = functools.partial(ReadingPaginator, read_page=read_page)

    def get_page_size(self, request):
        """The page size asked for, refused when it is not a whole number from 1
        to `max_page_size` (DRF would quietly answer 25 rows to "0" or "-1")."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not (asked.isascii() and asked.isdigit() and 1 <= int(asked) <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give the page size as a whole number from 1 to %(most)d.")
                        % {"most": self.max_page_size}
                    ]
                }
            )
        return int(asked)


class ReadingPaginator(Paginator):
    """Django's paginator, whose pages are read by `read_page(sliced queryset)`."""

    def __init__(self, *args, read_page, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_page = read_page

    def page(self, number):
        page = super().page(number)
        page.object_list = self.read_page(page.object_list)
        return page
