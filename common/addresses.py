"""The client's network address, as the trusted reverse proxies saw it.

One rule for rate limits (common/throttling.py) and lockouts (django-axes,
AXES_CLIENT_IP_CALLABLE): behind DJANGO_TRUSTED_PROXY_COUNT proxies that each
append to X-Forwarded-For, the address the outermost one saw; with none, the
socket's address. Never a value the client could have written into the header.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")
