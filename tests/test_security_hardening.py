"""Production hardening: deploy checks, security headers, CSRF, sign-in
lockout (django-axes), rate limits and expiring API tokens."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from common.addresses import client_ip
from common.middleware import DropMalformedSessionCookieMiddleware
from recordings import keyring
from recordings.models import Recording

from .api_helpers import _fresh_throttles, api_as, scheduled_call  # noqa: F401
from .factories import ClientFactory, OperatorFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pass-123-word"  # tests/factories.py


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="calls.example.org",
        DATABASE_URL="postgres://calls@db.invalid:5432/calls",
        CACHE_URL="redis://redis.invalid:6379/1",
        CELERY_BROKER_URL="redis://redis.invalid:6379/0",
        SITE_URL="https://calls.example.org",
        RECORDING_KEYS=keyring.new_entry("production"),
        # The video rooms' secrets, which production also refuses to start without.
        JANUS_URL="http://janus.invalid:8088/janus",
        JANUS_ADMIN_KEY=secrets.token_urlsafe(24),
        JANUS_EVENTS_PASSWORD=secrets.token_urlsafe(24),
    )
    env.update(extra)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_settings_are_the_secure_ones():
    code = (
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS)"
    )
    result = _manage("shell", "-c", code, env=_production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
    ]


@pytest.mark.slow
def test_production_without_a_secret_key_does_not_start():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_answers_carry_the_security_headers():
    answer = api_as(ClientFactory()).get("/api/v1/me/")
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"]


@pytest.mark.django_db
def test_forms_need_the_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    answer = browser.post("/login/", {"username": "x", "password": "y"})
    assert answer.status_code == 403


@pytest.mark.django_db
def test_the_api_with_a_browser_session_needs_the_csrf_token_too():
    client = ClientFactory()
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(client)
    assert api.get("/api/v1/me/").status_code == 200  # reading is fine
    answer = api.patch("/api/v1/me/", {"language": "ru"}, format="json")
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["message"]
    client.refresh_from_db()
    assert client.language == "en"


@pytest.mark.django_db
def test_the_sixth_bad_sign_in_is_locked_out_even_with_the_right_password(settings):
    settings.AXES_ENABLED = True
    client = ClientFactory()
    browser = Client()
    for _ in range(4):
        answer = browser.post("/login/", {"username": client.username, "password": "wrong"})
        assert answer.status_code == 200  # the form again, with an error
    browser.post("/login/", {"username": client.username, "password": "wrong"})
    locked = browser.post("/login/", {"username": client.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_a_locked_out_username_gets_no_api_token_either(settings):
    settings.AXES_ENABLED = True
    client = ClientFactory()
    api = APIClient()
    for _ in range(5):
        answer = api.post("/api/v1/auth/token/", {"username": client.username, "password": "x"})
        assert answer.status_code in (400, 429)
    locked = api.post("/api/v1/auth/token/", {"username": client.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert not AuthToken.objects.filter(user=client).exists()


@pytest.mark.django_db
def test_a_good_sign_in_gets_a_token_that_works():
    client = ClientFactory()
    api = APIClient()
    answer = api.post("/api/v1/auth/token/", {"username": client.username, "password": PASSWORD})
    assert answer.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api.get("/api/v1/me/").json()["username"] == client.username
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_issuing_tokens_is_rate_limited():
    client = ClientFactory()
    api = APIClient()
    answers = [
        api.post("/api/v1/auth/token/", {"username": client.username, "password": PASSWORD})
        for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [201] * 10
    assert answers[10].status_code == 429
    assert answers[10].json()["code"] == "throttled"
    assert "Retry-After" in answers[10]


@pytest.mark.django_db
def test_tokens_expire(settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    client = ClientFactory()
    api = api_as(client)
    assert api.get("/api/v1/me/").status_code == 200
    token = AuthToken.objects.get(user=client)
    assert abs(token.expiry - token.created - timedelta(days=30)) < timedelta(minutes=1)
    AuthToken.objects.filter(user=client).update(expiry=timezone.now() - timedelta(seconds=1))
    answer = api.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"
    assert "expired" in answer.json()["message"]
    assert not AuthToken.objects.filter(user=client).exists()


@pytest.mark.django_db
def test_an_inactive_person_gets_nothing():
    client = ClientFactory()
    api = api_as(client)
    client.is_active = False
    client.save()
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abcdefgh\x00ijklmnop", "x" * 8 + "';--", "é" * 32])
def test_a_forged_session_cookie_is_no_session_not_an_error(key):
    answer = APIClient().get("/api/v1/me/", HTTP_COOKIE=f"sessionid={key}")
    assert answer.status_code == 401
    assert Client().get("/client/", HTTP_COOKIE=f"sessionid={key}").status_code == 302


def test_a_malformed_session_cookie_is_dropped_before_the_session_reads_it(settings):
    seen = {}

    def view(request):
        seen["cookies"] = dict(request.COOKIES)
        return HttpResponse()

    guard = DropMalformedSessionCookieMiddleware(view)
    good = "a" * 20 + "0123456789ab"
    guard(RequestFactory().get("/", HTTP_COOKIE="sessionid=abcdefgh\x00ijk; other=1"))
    assert seen["cookies"] == {"other": "1"}
    guard(RequestFactory().get("/", HTTP_COOKIE=f"sessionid={good}"))
    assert seen["cookies"] == {"sessionid": good}
    middleware = settings.MIDDLEWARE
    assert middleware.index("common.middleware.DropMalformedSessionCookieMiddleware") < (
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["a\x00" * 20, "short", "z" * 41, "é" * 40, "g" * 64, "A" * 64, "0" * 64]
)
def test_a_malformed_token_is_401_not_an_error(key):
    answer = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_the_api_token_command_issues_and_revokes():
    client = ClientFactory()
    out = StringIO()
    call_command("api_token", client.username, stdout=out)
    key = out.getvalue().strip()
    assert len(key) == 64
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code == 200
    call_command("api_token", client.username, "--revoke", stdout=StringIO())
    assert not AuthToken.objects.filter(user=client).exists()
    with pytest.raises(CommandError):
        call_command("api_token", "nobody-here", stdout=StringIO())


@pytest.mark.django_db
def test_recordings_are_not_served_as_media():
    call, api = scheduled_call(start=True)
    upload = {"file": SimpleUploadedFile("take.mp3", b"ID3data")}
    assert (
        api.post(
            f"/api/v1/sessions/{call.public_id}/recording/", upload, format="multipart"
        ).status_code
        == 201
    )
    name = Recording.objects.get(session__call=call).blob_name
    for path in (f"/media/{name}", f"/{name}"):
        assert Client().get(path).status_code == 404


@pytest.mark.django_db
def test_the_admin_sign_in_is_locked_out_too(settings):
    settings.AXES_ENABLED = True
    operator = OperatorFactory()
    browser = Client()
    for _ in range(5):
        browser.post("/admin/login/", {"username": operator.username, "password": "wrong"})
    locked = browser.post("/admin/login/", {"username": operator.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert browser.get("/admin/").status_code == 302


@pytest.mark.slow
def test_rate_limit_counters_can_live_in_redis_for_every_process():
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    env = _production_env(CACHE_URL="redis://redis:6379/1")
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith("redis.RedisCache")


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the proxy appended the real one
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "", "10.0.0.1"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(
    settings, rf, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_lockout_does_not_lock_colleagues_at_the_same_address(settings):
    settings.AXES_ENABLED = True
    target, colleague = ClientFactory(), ClientFactory()
    browser = Client()
    for _ in range(6):
        browser.post("/login/", {"username": target.username, "password": "wrong"})
    other = Client()  # same address (the test client's 127.0.0.1)
    answer = other.post("/login/", {"username": colleague.username, "password": PASSWORD})
    assert answer.status_code == 302
    assert other.session["_auth_user_id"] == str(colleague.pk)
