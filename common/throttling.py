"""API rate limits that count exactly across processes and degrade, never
fail, when their cache is away.

DRF's own throttles keep a list of timestamps per client in the cache, read
and written back without a lock: concurrent requests overwrite each other and
more get through than the rate allows; and a cache error is a 500 on every
API request. These count in fixed windows with the cache's atomic increment.
When the cache can't be reached they log it and count in this process instead
(a local limit: looser by the number of processes, but never an outage), and
leave the cache alone for a few seconds rather than wait on it per request.

The client's address is common.addresses.client_ip (trusted proxies only).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache as default_cache
from rest_framework import throttling

from common.addresses import client_ip

logger = logging.getLogger(__name__)

# After a cache error, count locally for this long before trying the cache again.
CACHE_RETRY_AFTER_SECONDS = 10


class LocalCounters:
    """Per-process fixed-window counters: the fallback while the cache is away."""

    MAX_KEYS = 50_000

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, *, expires_at: float, now: float) -> int:
        with self._lock:
            if len(self._counts) >= self.MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, _ = self._counts.get(key, (0, expires_at))
            self._counts[key] = (count + 1, expires_at)
            return count + 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


class CacheHealth:
    """Whether the cache failed recently (shared by every throttle of the process)."""

    def __init__(self):
        self.down_until = 0.0

    def is_down(self, now: float) -> bool:
        return now < self.down_until

    def failed(self, error: Exception, now: float) -> None:
        if not self.is_down(now):
            # Once per retry period, not once per request.
            logger.warning(
                "Rate-limit cache unreachable (%s); counting per process for %ss",
                type(error).__name__,
                CACHE_RETRY_AFTER_SECONDS,
            )
        self.down_until = now + CACHE_RETRY_AFTER_SECONDS


local_counters = LocalCounters()
cache_health = CacheHealth()


def count_hit(cache, key: str, *, duration: int, window_ends_at: float, now: float) -> int:
    """Count one hit on `key` (a key of one window); the count so far in it."""
    if not cache_health.is_down(time.monotonic()):
        try:
            # add() starts the window at 0 if it is new; incr() is atomic.
            cache.add(key, 0, timeout=duration + 1)
            try:
                return cache.incr(key)
            except ValueError:  # the key expired between the two calls
                cache.add(key, 1, timeout=duration + 1)
                return 1
        except Exception as error:  # noqa: BLE001 - any cache failure degrades
            cache_health.failed(error, time.monotonic())
    return local_counters.incr(key, expires_at=window_ends_at, now=now)


def within_rate(scope: str, ident: str, *, limit: int, seconds: int) -> bool:
    """Count one hit of `ident` (already hashed if it is personal) in `scope`'s
    fixed window; False once the window has had more than `limit`. For doors
    that are not DRF views (the password-reset page)."""
    now = time.time()
    window = int(now // seconds)
    key = f"rate:{scope}:{ident}:{window}"
    count = count_hit(
        default_cache, key, duration=seconds, window_ends_at=(window + 1) * seconds, now=now
    )
    return count <= limit


class WindowCounting:
    """Mixin over DRF's SimpleRateThrottle: atomic fixed-window counting."""

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        self.now = now
        count = self._count(f"{self.key}:{window}", now)
        return count <= self.num_requests or self.throttle_failure()

    def _count(self, key: str, now: float) -> int:
        return count_hit(
            self.cache, key, duration=self.duration, window_ends_at=self.window_ends_at, now=now
        )

    def wait(self):
        return max(1.0, self.window_ends_at - self.now)


class AnonRateThrottle(WindowCounting, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(WindowCounting, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(WindowCounting, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # DRF's own allow_request reads the view's scope, then counts: same here.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
