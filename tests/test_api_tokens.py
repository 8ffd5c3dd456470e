"""API tokens are stored hashed: the database and the admin know only a digest
and the first characters; the full token is shown once, when it is made; old
plain-text tokens were carried over as digests and keep working until they expire."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.services import api_token_issue

from .api_helpers import _fresh_throttles  # noqa: F401
from .factories import ClientFactory, OperatorFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-123-word"


def test_the_database_keeps_a_digest_not_the_token():
    issued = api_token_issue(user=ClientFactory())
    row = AuthToken.objects.get()
    assert row.digest == hash_token(issued.key) != issued.key
    assert issued.key.startswith(row.token_key) and len(row.token_key) < len(issued.key)
    assert not AuthToken.objects.filter(digest__contains=issued.key).exists()


def test_the_token_endpoint_shows_the_token_once_with_its_expiry():
    client = ClientFactory()
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": client.username, "password": PASSWORD}
    )
    assert answer.status_code == 201
    body = answer.json()
    assert len(body["token"]) == 64 and body["expires_in_days"] == 30
    assert body["expires_at"]
    me = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get("/api/v1/me/")
    assert me.status_code == 200


def test_a_new_token_replaces_the_old_one():
    client = ClientFactory()
    old, new = api_token_issue(user=client), api_token_issue(user=client)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {old.key}").get("/api/v1/me/").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {new.key}").get("/api/v1/me/").status_code == 200


def test_the_admin_lists_only_the_first_characters():
    issued = api_token_issue(user=ClientFactory())
    browser = Client()
    browser.force_login(OperatorFactory(is_superuser=True, is_staff=True))
    page = browser.get("/admin/accounts/apitoken/").content.decode()
    assert issued.key[:15] in page
    # (The digest names the row: a one-way hash, of no use to present as a token.)
    assert issued.key not in page


def test_a_token_made_in_the_admin_is_shown_once():
    client = ClientFactory()
    browser = Client()
    browser.force_login(OperatorFactory(is_superuser=True, is_staff=True))
    answer = browser.post("/admin/accounts/apitoken/add/", {"user": client.pk}, follow=True)
    assert answer.status_code == 200
    shown = [str(m) for m in answer.context["messages"]]
    key = next(word for m in shown for word in m.split() if len(word) == 64)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code == 200
    again = browser.get("/admin/accounts/apitoken/").content.decode()
    assert key not in again


# Migrating backwards and forwards inside a test's transaction: SQLite's schema
# editor refuses that with foreign-key checks on; production is PostgreSQL.
@pytest.mark.postgres
def test_plain_text_tokens_are_carried_over_as_digests_and_the_table_dropped():
    client, stale = ClientFactory(), ClientFactory()
    legacy, expired = "0123456789abcdef0123456789abcdef01234567", "f" * 40
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint,"
            " created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s), (%s, %s, %s)",
            [
                legacy, client.pk, timezone.now() - timedelta(days=3),
                expired, stale.pk, timezone.now() - timedelta(days=40),
            ],
        )  # fmt: skip
    migration = importlib.import_module("accounts.migrations.0003_hash_api_tokens")
    with connection.schema_editor() as editor:
        migration.carry_over(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    row = AuthToken.objects.get()
    assert row.user == client and row.digest == hash_token(legacy)
    assert timedelta(days=26) < row.expiry - timezone.now() < timedelta(days=28)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {legacy}")
    assert api.get("/api/v1/me/").json()["username"] == client.username
