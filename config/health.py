"""Health check for the load balancer and docker-compose: the database answers."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
