"""Answers the schema promises (issue #25, item 17), each found by schemathesis:
an undeclared method is 405 with Allow, and a parameter's schema is exactly as
strict as the view that reads it."""

import json
import re

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import serializers

from common.idempotency import HEADER
from scheduling.api_fields import WindowsField

from .api_helpers import _fresh_throttles, api_as, scheduled_call  # noqa: F401
from .flows import agent_for, book

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def test_a_keyed_post_to_a_view_without_post_is_405_with_allow():
    """An Idempotency-Key used to make the view wrap a `post` it lacks (a 500)."""
    call, api = scheduled_call()
    response = api.post(
        f"/api/v1/sessions/{call.public_id}/", **{f"HTTP_{HEADER.upper().replace('-', '_')}": "k-1"}
    )
    assert response.status_code == 405, response.content
    assert "GET" in response["Allow"]
    assert response.json()["code"] == "method_not_allowed"


def _month_pattern() -> re.Pattern:
    operation = _schema()["paths"]["/api/v1/agent/statements/{month}/"]["get"]
    (month,) = [p for p in operation["parameters"] if p["name"] == "month"]
    return re.compile(month["schema"]["pattern"])


@pytest.mark.parametrize("month", ["0000-00", "2026-00", "2026-13", "1999-12", "9999-01", "26-01"])
def test_the_statement_month_schema_refuses_what_the_view_refuses(month):
    assert not _month_pattern().search(month)
    agent = agent_for(book())
    assert api_as(agent).get(f"/api/v1/agent/statements/{month}/").status_code in (400, 404)


@pytest.mark.parametrize("month", ["2000-01", "2026-12", "9899-07", "9989-01", "9998-12"])
def test_the_statement_month_schema_accepts_what_the_view_answers(month):
    assert _month_pattern().search(month)
    agent = agent_for(book())
    assert api_as(agent).get(f"/api/v1/agent/statements/{month}/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/sessions/", "/api/v1/agent/requests/", "/api/v1/calls/", "/api/v1/ledger/"]
)
def test_the_page_parameter_starts_at_1_as_the_paginator_does(path):
    """Page 0 was schema-valid, and the paginator refuses it (404)."""
    (page,) = [p for p in _schema()["paths"][path]["get"]["parameters"] if p["name"] == "page"]
    assert page["schema"] == {"type": "integer", "minimum": 1}


def test_the_paginator_refuses_page_0_and_answers_page_1():
    agent = api_as(agent_for(book()))
    assert agent.get("/api/v1/agent/requests/?page=0").status_code == 404
    assert agent.get("/api/v1/agent/requests/?page=1").status_code == 200


@pytest.mark.parametrize("size", ["", "0", "-1", "2.5", "false", "101", "٣"])
def test_a_page_size_the_schema_refuses_is_a_400_with_its_sentence(size):
    """DRF's paginator answered 25 rows to any of these (schemathesis: invalid accepted)."""
    api = api_as(book().client)
    response = api.get("/api/v1/calls/", {"page_size": size})
    assert response.status_code == 400, response.content
    assert "page_size" in json.dumps(response.json())


@pytest.mark.parametrize("size", ["1", "100"])
def test_every_page_size_the_schema_allows_is_answered(size):
    client = book().client
    book(client=client)
    response = api_as(client).get("/api/v1/calls/", {"page_size": size})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == min(int(size), 2)


def test_the_schema_bounds_page_size_as_the_paginator_does():
    operation = _schema()["paths"]["/api/v1/calls/"]["get"]
    (size,) = [p for p in operation["parameters"] if p["name"] == "page_size"]
    assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 100)


def test_every_operation_documents_the_406_for_an_accept_it_cannot_answer():
    operations = [
        (path, method, operation)
        for path, methods in _schema()["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    undocumented = [
        f"{method.upper()} {path}"
        for path, method, op in operations
        if "406" not in op["responses"]
    ]
    assert undocumented == []
    (_path, _method, one), *_ = operations
    answer = one["responses"]["406"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "Accept" in answer["description"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_accept_header_ruling_json_out_is_the_documented_406(signed_in):
    call, api = scheduled_call()
    if not signed_in:
        api.credentials()
    answer = api.get(f"/api/v1/sessions/{call.public_id}/", HTTP_ACCEPT="application/xml")
    assert answer.status_code == 406
    assert answer["Content-Type"].startswith("application/json")
    assert json.loads(answer.content)["code"] == "not_acceptable"


def test_every_operation_documents_the_405_for_a_method_its_path_does_not_answer():
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, methods in _schema()["paths"].items()
        for method, operation in methods.items()
    ]
    assert [name for name, op in operations if "405" not in op["responses"]] == []
    answer = operations[0][1]["responses"]["405"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "Allow" in answer["description"]


def test_every_paginated_list_documents_the_400_for_a_page_size_it_refuses():
    lists = [
        f"GET {path}"
        for path, methods in _schema()["paths"].items()
        if any(p["name"] == "page_size" for p in methods.get("get", {}).get("parameters", []))
    ]
    assert {"GET /api/v1/ledger/", "GET /api/v1/sessions/"} <= set(lists)
    schema = _schema()["paths"]
    assert [name for name in lists if "400" not in schema[name[4:]]["get"]["responses"]] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/calls/a/b/",  # an id with a slash: no pattern matches
        "/api/v1/calls//cancel/",  # an empty id
        "/api/v1/nothing-here/",
        "/api/v2/calls/",
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_path_under_api_that_names_nothing_is_a_json_404(path, signed_in):
    call, api = scheduled_call()
    if not signed_in:
        api.credentials()
    answer = api.get(path)
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {
        "code": "not_found",
        "message": "Not found.",
        "errors": {},
    }
    assert "no-store" in answer["Cache-Control"]


def test_a_page_outside_the_api_keeps_the_site_404(client):
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")


WINDOWS_READ = [
    [{"days": ["mon", "fri"], "from": "09:00", "to": "18:00"}],
    [{"days": ["sun"], "from": "00:00", "to": "24:00"}],
    [{"from": "2026-03-02T09:00", "to": "2026-03-02T12:00"}],
]
WINDOWS_REFUSED_BY_THEIR_SHAPE = [
    [{"days": ["mon"], "from": "9:00", "to": "18:00"}],
    [{"days": ["mon"], "from": "09:00", "to": "24:30"}],
    [{"days": [], "from": "09:00", "to": "18:00"}],
    [{"from": "09:00", "to": "18:00"}],  # no days: a dated window, so dates
    [{"days": ["mon"], "from": "2026-03-02T09:00", "to": "2026-03-02T12:00"}],
    [{"from": "0000-01-01T09:00", "to": "2026-13-02T12:00"}],
    [{"days": ["mon"], "from": "09:00", "to": "18:00"}] * 51,
]


def _order_windows_schema():
    schema = _schema()["components"]["schemas"]["CallListApiInputRequest"]
    return jsonschema.Draft4Validator(schema["properties"]["windows"])


@pytest.mark.parametrize("windows", WINDOWS_READ)
def test_the_windows_schema_takes_what_the_view_reads(windows):
    assert WindowsField(required=True).run_validation(windows)
    assert _order_windows_schema().is_valid(windows)


@pytest.mark.parametrize("windows", WINDOWS_REFUSED_BY_THEIR_SHAPE)
def test_the_windows_schema_refuses_what_the_view_refuses_by_its_shape(windows):
    with pytest.raises(serializers.ValidationError):
        WindowsField(required=True).run_validation(windows)
    assert not _order_windows_schema().is_valid(windows)


def test_the_office_slots_parameters_are_bounded_as_the_view_bounds_them():
    operation = _schema()["paths"]["/api/v1/office/calls/{public_id}/slots/"]["get"]
    bounds = {
        p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"])
        for p in operation["parameters"]
        if p["name"] in ("days", "limit")
    }
    assert bounds == {"days": (1, 60), "limit": (1, 50)}
