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
from schemathesis.specs.openapi.checks import ignored_auth, unsupported_method

from accounts.services import api_token_issue

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import InterpreterFactory, OperatorFactory
from .flows import agent_for, book, confirm, fund_client, schedule

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
# Opt-in (SCHEMATHESIS_COVERAGE=1): its first run found answers the schema does
# not yet promise (listed in /work/wt/notes/25.md and the README's "Tests"
# section); it joins the slow run once they are fixed.
RUN_COVERAGE = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"
if RUN_COVERAGE:
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


@pytest.mark.skipif(not RUN_COVERAGE, reason="opt-in: SCHEMATHESIS_COVERAGE=1 (see its comment)")
@COVERED.parametrize()
@settings(
    phases=[Phase.explicit],
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_coverage_cases_get_the_answers_the_schema_promises(case, world):
    token = api_token_issue(user=world[_role_for(case.operation.path)]).key
    headers = {"Authorization": f"Token {token}"}
    if case.data_generation_method == DataGenerationMethod.positive and "public_id" in (
        case.path_parameters or {}
    ):
        case.path_parameters["public_id"] = world["ids"][-1]
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.get_data()[:300])
    case.validate_response(
        response,
        headers=headers,
        excluded_checks=(ignored_auth,),
        additional_checks=(positive_data_is_not_refused_as_malformed, unsupported_method),
    )
