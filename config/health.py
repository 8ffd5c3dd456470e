"""Health check for the load balancer and docker-compose.

The database is essential (503 without it); the cache is not: without it the
rate limits count per process (common/throttling.py), so the answer is 200
with "degraded" and says which part is missing, for monitoring to alert on.
"""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return False
    return True


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:  # noqa: BLE001 - any failure means unavailable
        return False


def healthz(request):
    database, shared_cache = _database_ok(), _cache_ok()
    if not database:
        status, code = "unavailable", 503
    else:
        status, code = ("ok" if shared_cache else "degraded"), 200
    state = {True: "ok", False: "unavailable"}
    return JsonResponse(
        {"status": status, "database": state[database], "cache": state[shared_cache]},
        status=code,
    )
