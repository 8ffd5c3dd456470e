"""A cap on failed sign-ins per account, across addresses.

django-axes locks a username only from the address that failed (settings:
AXES_LOCKOUT_PARAMETERS), so a stranger can't lock a named account for
everyone. On top of that, an account that has failed ACCOUNT_FAILURE_LIMIT
times within AXES_COOLOFF_TIME from any number of addresses is paused for
everyone until the cool-off passes, and the person is told (by email, through
the outbox: `account_sign_in_paused`, written by notifications.receivers).
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.dispatch import Signal
from django.utils import timezone

# Sent once per refused sign-in of a paused account: username, at.
account_sign_in_paused = Signal()


def cool_off() -> timedelta:
    return timedelta(hours=settings.AXES_COOLOFF_TIME)


def account_failures(username: str, *, now=None) -> int:
    """Failed sign-ins of `username` within the cool-off, from every address."""
    now = now or timezone.now()
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - cool_off()
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


class AccountCapBackend:
    """First after axes' own backend: refuses every sign-in of a paused account
    (the right password too), answered by axes' middleware as a lockout (429).

    Not a BaseBackend: it has no `get_user`, so a session is never tied to it
    (force_login and the session pick the first backend that can load a user)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username or not settings.AXES_ENABLED:
            return None
        if account_failures(username) < settings.ACCOUNT_FAILURE_LIMIT:
            return None
        account_sign_in_paused.send(sender=AccountCapBackend, username=username, at=timezone.now())
        # django-axes' middleware answers a request marked so with its lockout response.
        request.axes_locked_out = True
        raise PermissionDenied
