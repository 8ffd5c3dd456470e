"""Settings that fail closed, the Content-Security-Policy, no server version,
and persistent database connections that survive a dropped connection."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from .factories import ClientFactory, OperatorFactory
from .test_security_hardening import _manage, _production_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_ALLOWED_HOSTS",
        "SITE_URL",
        "RECORDING_KEYS",
    ],
)
def test_production_refuses_to_start_without_each_required_setting(missing):
    env = _production_env()
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [{"DJANGO_ENV": "prod"}, {"DJANGO_DEBUG": "1"}],
    ids=["misspelt environment", "debug in production"],
)
def test_production_refuses_unsafe_or_misspelt_settings(extra):
    result = _manage("check", env=_production_env(**extra))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_development_has_no_debug_page_unless_asked(settings):
    from django.conf import settings as live

    assert live.DEBUG is False  # the default (pytest-django would force it anyway: see below)
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env={k: v for k, v in _production_env().items() if k != "DJANGO_ENV"},
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_persistent_connections_are_health_checked():
    from django.conf import settings

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/login/", "/client/", "/admin/", "/api/v1/me/", "/no-such-page/"]
)
def test_every_answer_has_a_content_security_policy(path):
    browser = Client()
    browser.force_login(ClientFactory() if path != "/admin/" else OperatorFactory())
    answer = browser.get(path)
    policy = answer["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no CDN
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_api_docs_load_nothing_from_elsewhere():
    browser = Client()
    browser.force_login(ClientFactory())
    for path in ("/api/docs/", "/api/redoc/"):
        page = browser.get(path).content.decode()
        assert "cdn" not in page.lower() and "https://" not in page, path
        assert "/static/drf_spectacular_sidecar/" in page, path


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _unused_port() -> int:
    """A port nobody listens on now (the system picks it): parallel runs don't collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_names_no_server_version():
    port = _unused_port()
    env = {k: v for k, v in _production_env().items() if k != "DJANGO_ENV"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "DATABASE_URL": "sqlite:///:memory:",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _free(port):
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
        except urllib.error.HTTPError as answer:
            assert answer.code == 404
            # At most the bare name: no version for a visitor to look weaknesses up by.
            assert answer.headers.get("Server", "gunicorn") == "gunicorn"
            assert "Content-Security-Policy" in answer.headers
        else:
            pytest.fail("a missing page answered 2xx")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_by_the_server_costs_no_failed_request(monkeypatch):
    """A persistent connection that PostgreSQL terminated between two requests
    (restart, failover, idle timeout) is replaced before the next request uses it."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    connection.close()
    app = WSGIHandler()
    environ = RequestFactory().get("/healthz").environ

    def get_healthz() -> str:
        statuses = []
        list(app(dict(environ), lambda status, headers: statuses.append(status)))
        return statuses[0]

    assert get_healthz().startswith("200")
    backend_pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    with psycopg2.connect(**params) as killer, killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    killer.close()
    assert get_healthz().startswith("200")
    assert connection.connection.get_backend_pid() != backend_pid
