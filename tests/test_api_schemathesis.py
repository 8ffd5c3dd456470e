"""Schemathesis against our own schema, in-process through the WSGI app.

For every operation, a bounded number of generated requests (MAX_EXAMPLES)
is sent as the role the operation is for, on the test database; most of
them address a real call of that person instead of a random id. No answer
may be a 5xx, and every answer must match the schema (status code, content
type, headers, body).
"""

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod
from schemathesis.experimental import COVERAGE_PHASE
from schemathesis.specs.openapi._hypothesis import get_schema_for_location
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    unsupported_method,
)

from accounts.services import api_token_issue

from .api_helpers import _fresh_throttles, clear_throttles  # noqa: F401
from .factories import InterpreterFactory, OperatorFactory
from .flows import CLIENT_WINDOWS, agent_for, book, confirm, fund_client, schedule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# CI runs the same 20 examples per operation every time (no flaky builds);
# explore further with e.g. SCHEMATHESIS_EXAMPLES=200 SCHEMATHESIS_RANDOM=1.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
DERANDOMIZE = os.environ.get("SCHEMATHESIS_RANDOM") != "1"


def _raw_schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


SCHEMA = schemathesis.from_dict(_raw_schema(), app=WSGIHandler())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _role_for(path: str) -> str:
    if path.startswith("/api/v1/agent/"):
        return "agent"
    if path.startswith("/api/v1/sessions/"):
        return "interpreter"
    if path.startswith("/api/v1/office/"):
        return "operator"
    return "client"


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection when a WSGI request ends; the
    test client prevents that, and so must we (the test's transaction lives on it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    """A client with credit and calls in several states; their agent, interpreter, operator."""
    operator = OperatorFactory()
    interpreter = InterpreterFactory()
    first = book()
    client = first.client
    fund_client(client, 10_000)
    member = first.member
    confirmed = book(client=client, member=member, fund=False)
    confirm(confirmed)
    scheduled = book(client=client, member=member, fund=False)
    confirm(scheduled)
    schedule(scheduled, operator=operator, interpreter=interpreter)
    return {
        "client": client,
        "agent": agent_for(first),
        "interpreter": interpreter,
        "operator": operator,
        "ids": [str(c.public_id) for c in (first, confirmed, scheduled)],
    }


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.verbose_name)
def test_no_server_errors_and_answers_match_the_schema(operation, world):
    token = api_token_issue(user=world[_role_for(operation.path)]).key
    headers = {"Authorization": f"Token {token}"}

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=DERANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real=st.sampled_from([None, *world["ids"]]))
    def check(case, real):
        if real is not None and "public_id" in (case.path_parameters or {}):
            case.path_parameters["public_id"] = real
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.data)
        # "ignored_auth" can't tell our token from a generated session cookie
        # over WSGI; that every endpoint refuses a missing or bad token is
        # proven row by row in test_permission_matrix.py.
        case.validate_response(response, headers=headers, excluded_checks=(ignored_auth,))

    check()


# Issue 25, item 17: schemathesis's coverage phase (an experiment in 3.x,
# deterministic: boundary values of every parameter and body, each of them
# broken on purpose, and the methods the schema does not declare). Each answer
# must be what the schema promises: a schema-valid request is not refused as
# malformed (`positive_data_is_not_refused_as_malformed`), an invalid one is
# refused (schemathesis's `negative_data_rejection`), an undeclared method is a
# 405 with Allow (`unsupported_method`).
#
# Slow (the module's marker): about 2,100 cases. The test's own reading of a
# case (which call, which token, what the API ignores) is in
# `check_coverage_case`.
COVERAGE_PHASE.enable()
COVERED = schemathesis.from_dict(
    _raw_schema(),
    app=WSGIHandler(),
    data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
)
# The request was well formed but the world said no: another state (409), a
# member or credit that isn't there (a 400 with the rule's own code), a person
# who may not (401/403), or an object that isn't theirs (404).
# The generated cases share the schema's example Idempotency-Key, so a second
# body with it is a 422 (the key's documented answer), not a refusal of the body.
WORLD_REFUSALS = {401, 403, 404, 409}
MALFORMED = {"invalid", "parse_error"}
KEY_REUSED = "idempotency_key_reused"


def _typed(text, schema: dict):
    """A query value (text) as the JSON value its schema describes ("2" -> 2)."""
    if isinstance(text, list):
        return [_typed(item, schema.get("items", {})) for item in text]
    if schema.get("type") in ("integer", "number", "boolean"):
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            return text
    return text


def _query_as_django_reads_it(case) -> dict:
    """The query as the API reads it (Django's QueryDict, DRF and django-filter):
    a name no parameter has is ignored, a one-valued name given twice is its
    last value, and an empty value is the name not given."""
    schemas = {p.name: p.definition.get("schema", {}) for p in case.operation.query}
    read = {}
    for name, value in (case.query or {}).items():
        if name not in schemas:
            continue
        if isinstance(value, list) and schemas[name].get("type") != "array":
            value = value[-1] if value else ""
        if value == "":
            continue
        read[name] = _typed(value, schemas[name])
    return read


def _invalid_only_in_what_the_api_ignores(case) -> bool:
    """The case's only fault is in its query, and the query the API reads is valid.

    Unknown query parameters are ignored on purpose (a client may send what a
    later version reads; nothing a client asks for is lost by ignoring a name
    the API doesn't know), and so are empty values (an HTML form's blank
    filter) and repeats of a one-valued parameter (Django reads the last)."""
    meta = case.meta
    if meta is None or meta.parameter_location != "query" or not meta.query.is_negative:
        return False
    if any(
        part is not None and part.is_negative
        # (The path's id is a real call's unless the case is about it.)
        for part in (meta.headers, meta.cookies, meta.body)
    ):
        return False
    schema = get_schema_for_location(case.operation, "query", case.operation.query)
    return case.operation.schema.validator_cls(schema).is_valid(_query_as_django_reads_it(case))


def invalid_data_is_refused(ctx, response, case):
    """schemathesis's negative_data_rejection, but for the query faults that
    the API ignores by design (`_invalid_only_in_what_the_api_ignores`)."""
    if _invalid_only_in_what_the_api_ignores(case):
        return None
    if response.status_code == 409:
        # Refused for the state of the world (a session that isn't running)
        # before the body was read: a refusal all the same.
        return None
    return negative_data_rejection(ctx, response, case)


def positive_data_is_not_refused_as_malformed(ctx, response, case):
    """schemathesis's positive_data_acceptance, allowing the refusals of the
    rules (their own codes) that no schema can express."""
    if case.data_generation_method != DataGenerationMethod.positive:
        return None
    if response.status_code < 300 or response.status_code in WORLD_REFUSALS:
        return None
    code = (
        json.loads(response.get_data()).get("code") if response.status_code in (400, 422) else None
    )
    if (response.status_code == 400 and code not in MALFORMED) or code == KEY_REUSED:
        return None
    raise AssertionError(
        f"A schema-valid request was refused: {response.status_code} "
        f"{response.get_data(as_text=True)[:300]}"
    )


@COVERED.parametrize()
@settings(
    phases=[Phase.explicit],
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_coverage_cases_get_the_answers_the_schema_promises(case, world):
    check_coverage_case(case, world)


def check_coverage_case(case, world):
    """Send one coverage case as the operation's role and check its answer."""
    token = api_token_issue(user=world[_role_for(case.operation.path)]).key
    headers = {"Authorization": f"Token {token}"}
    description = case.meta.description or ""
    if description.startswith(("Missing `Authorization`", "Missing `sessionid`")):
        # The schema's two ways to sign in are alternatives: without one of
        # them the case must have neither (the generated cookie is no session).
        headers = {}
    if "public_id" in (case.path_parameters or {}) and (
        case.data_generation_method == DataGenerationMethod.positive
        or case.meta.parameter_location != "path"
    ):
        # Unless the case is about the id itself, its path names a real call.
        case.path_parameters["public_id"] = world["ids"][-1]
    if case.data_generation_method == DataGenerationMethod.positive and isinstance(case.body, dict):
        # What no JSON Schema can state: a window's `to` after its `from`, an
        # interpreter who exists. A valid body names real ones, as its path
        # names a real call (the schema's patterns and types are still its own).
        for key in ("windows", "member_windows"):
            if key in case.body:
                case.body[key] = CLIENT_WINDOWS
        if "interpreter" in case.body:
            case.body["interpreter"] = world["interpreter"].pk
    if case.media_type == "multipart/form-data" and (
        not isinstance(case.body, dict)
        or case.data_generation_method == DataGenerationMethod.positive
    ):
        # schemathesis 3.39 can't send a multipart body that is a list or a
        # number (a transport error), and sends every part as a plain field,
        # never as a file (its prepare_multipart looks for the part's
        # `format: binary` in the body schema without resolving its $ref):
        # a valid upload can't be sent. Uploads: test_api_calls.py, test_recordings_store.py.
        return
    if "" in (case.path_parameters or {}).values():
        # schemathesis builds the URL with urljoin, which drops the empty
        # segment: /calls//cancel/ would be sent as /calls/cancel/, another
        # endpoint. (Sent as such, it names no endpoint: the JSON 404 of
        # common.api.not_found, see test_api_conformance.py.)
        return
    # Each case is one request on its own: the cases of an operation (34 for
    # auth/token/, whose limit is 10 a minute) must not exhaust its rate limit.
    clear_throttles()
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.get_data()[:300])
    case.validate_response(
        response,
        headers=headers,
        excluded_checks=(ignored_auth, negative_data_rejection),
        additional_checks=(
            positive_data_is_not_refused_as_malformed,
            invalid_data_is_refused,
            unsupported_method,
        ),
    )
