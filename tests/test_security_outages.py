"""Doors that hold when the rate-limit cache is down or the client lies about
its address, and per-user limits that count exactly under concurrency."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from rest_framework.test import APIClient

from common.throttling import UserRateThrottle

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import AgentFactory, ClientFactory, MemberFactory
from .flows import CLIENT_WINDOWS, fund_client

PASSWORD = "pass-123-word"
# Nothing listens on port 9 (discard) here: connecting is refused at once.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.mark.django_db
@override_settings(CACHES=REDIS_DOWN)
def test_with_the_cache_down_the_api_answers_2xx_or_429_never_5xx(caplog):
    member = MemberFactory(reference="M-8001")
    AgentFactory(agency=member.agency)
    client = ClientFactory()
    fund_client(client, 100)
    api = api_as(client)
    statuses = [api.get("/api/v1/me/").status_code for _ in range(5)]
    booked = api.post(
        "/api/v1/calls/",
        {"member": "M-8001", "kind": "video", "planned_minutes": 30, "windows": CLIENT_WINDOWS},
    )
    statuses.append(booked.status_code)
    statuses.append(api.get("/api/v1/calls/").status_code)
    assert statuses == [200] * 5 + [201, 200], booked.content
    assert "Rate-limit cache unreachable" in caplog.text
    # The pages too (sessions and lockouts live in the database).
    browser = Client()
    signed_in = browser.post("/login/", {"username": client.username, "password": PASSWORD})
    assert signed_in.status_code == 302


@pytest.mark.django_db
@override_settings(CACHES=REDIS_DOWN)
def test_with_the_cache_down_the_token_endpoint_is_still_limited_per_process():
    client = ClientFactory()
    api = APIClient()
    answers = [
        api.post("/api/v1/auth/token/", {"username": client.username, "password": PASSWORD})
        for _ in range(12)
    ]
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 2
    assert answers[-1].json()["code"] == "throttled"


@pytest.mark.django_db
@override_settings(CACHES=REDIS_DOWN)
def test_the_health_check_reports_the_cache_down_but_serves():
    answer = Client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}


@pytest.mark.django_db
def test_the_health_check_reports_all_well():
    assert Client().get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [(0, "198.51.100.{n}"), (1, "198.51.100.{n}, 203.0.113.7")],
    ids=["no proxy: header ignored", "one proxy: only its hop counts"],
)
def test_rotating_x_forwarded_for_is_still_throttled(settings, proxies, forwarded):
    settings.TRUSTED_PROXY_COUNT = proxies
    client = ClientFactory()
    api = APIClient()
    statuses = [
        api.post(
            "/api/v1/auth/token/",
            {"username": client.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=forwarded.format(n=n),
        ).status_code
        for n in range(40)
    ]
    assert statuses.count(429) == 30, statuses


@pytest.mark.django_db
def test_different_clients_behind_the_trusted_proxy_have_their_own_limits(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = ClientFactory()
    api = APIClient()

    def attempt(address):
        return api.post(
            "/api/v1/auth/token/",
            {"username": client.username, "password": PASSWORD},
            HTTP_X_FORWARDED_FOR=address,
        ).status_code

    assert [attempt("203.0.113.7") for _ in range(11)][-1] == 429
    assert attempt("203.0.113.8") == 201


class _Request:
    def __init__(self, user):
        self.user = user
        self.META = {"REMOTE_ADDR": "10.0.0.1"}


@pytest.mark.redis
@pytest.mark.django_db
def test_the_per_user_limit_is_exact_under_concurrency(settings):
    """50 threads ask 10 times each against 100/hour in one window: exactly 100 pass."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_REDIS_URL"],
        }
    }
    caches["default"].clear()
    user = ClientFactory()
    fixed_now = 1_800_000_000.0 + 30  # inside one window whenever the test runs
    start = threading.Barrier(50)

    def ask_ten_times(_):
        throttle = UserRateThrottle()
        throttle.num_requests, throttle.duration = throttle.parse_rate("100/hour")
        throttle.timer = lambda: fixed_now
        throttle.cache = caches["default"]
        start.wait()
        return sum(throttle.allow_request(_Request(user), None) for _ in range(10))

    with ThreadPoolExecutor(max_workers=50) as pool:
        allowed = sum(pool.map(ask_ten_times, range(50)))
    caches["default"].clear()
    assert allowed == 100
