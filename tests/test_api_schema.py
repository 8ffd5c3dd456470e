"""The OpenAPI schema: valid, without generator warnings, covering every
endpoint under /api/v1/, and served (with docs) to signed-in people only."""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import ClientFactory


def api_v1_routes() -> set[str]:
    """Every URL pattern under /api/v1/, written as the schema writes paths."""
    routes = set()

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = "/" + prefix + str(entry.pattern)
                if route.startswith("/api/v1/"):
                    routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return routes


def test_schema_is_valid_without_warnings(tmp_path):
    GENERATOR_STATS.reset()  # warnings of earlier generations in this process
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_schema_covers_every_api_v1_url_pattern():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = api_v1_routes()
    assert len(routes) >= 18
    assert routes == set(schema["paths"])


def test_every_operation_documents_its_errors_in_the_one_shape():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert errors, (method, path)
            for code in errors:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)


@pytest.mark.django_db
def test_schema_and_docs_are_for_signed_in_people():
    assert api_as(None).get("/api/schema/").status_code == 401
    # A person who opens the docs in a browser is sent to sign in, then back.
    docs = api_as(None).get("/api/docs/")
    assert docs.status_code == 302 and "next=/api/docs/" in docs["Location"]
    api = api_as(ClientFactory())
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Interpreted calls API"
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert api.get("/api/redoc/").status_code == 200
