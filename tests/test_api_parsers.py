"""Issue 25 item 8: the bounded JSON parser is the default of every API view,
so no view can forget it: deeply nested JSON is a 400, an enormous body is
refused before it is read, and a walk over the URL conf finds no view with a
parser of its own that reads without limits."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.parsers import MultiPartParser
from rest_framework.views import APIView

from common.drf import JSONParser as BoundedJSONParser

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .flows import book, confirm

DEEP = "[" * 1000 + "]" * 1000
# Parsers that keep a limit: ours for JSON; Django's multipart handlers stream
# files to disk and count fields (DATA_UPLOAD_MAX_NUMBER_FIELDS).
BOUNDED = (BoundedJSONParser, MultiPartParser)


def api_views(resolver=None, prefix=""):
    """(route, view class) of every DRF view the URL conf reaches."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern, route)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, APIView):
                yield route, view


def test_the_walk_finds_the_api():
    routes = [route for route, _view in api_views()]
    assert len(routes) > 20
    assert any("slots/pick" in route for route in routes)


@pytest.mark.parametrize("route,view", list(api_views()), ids=lambda v: str(v))
def test_every_api_view_parses_with_limits(route, view):
    parsers = view().get_parsers()
    assert parsers, route
    for parser in parsers:
        assert isinstance(parser, BOUNDED), f"{route}: {type(parser).__name__} has no limits"


@pytest.fixture
def confirmed_call(db):
    call = book()
    confirm(call)
    return call


@pytest.mark.django_db
def test_deep_json_to_the_slot_pick_is_a_400_not_a_500(confirmed_call):
    answer = api_as(confirmed_call.client).generic(
        "POST",
        f"/api/v1/calls/{confirmed_call.public_id}/slots/pick/",
        DEEP,
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_a_50_mb_body_is_refused_before_it_is_read(confirmed_call):
    # The declared length is what is refused: the body is never read.
    answer = api_as(confirmed_call.client).generic(
        "POST",
        f"/api/v1/calls/{confirmed_call.public_id}/slots/pick/",
        '{"starts_at": "2027-06-07T10:00:00Z"}',
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
