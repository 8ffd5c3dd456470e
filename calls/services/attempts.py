"""Logging a dial attempt (the log and what it proves are read in calls.dial_log).

SPEC "When a call does not happen": the agent answers for every given number
being reachable at the agreed time. The interpreter logs each try (number,
time, result); `member_unreachable` is a fair outcome only when every given
number was tried from the session's start on and none was answered.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from calls.dial_log import given_numbers
from calls.models import Call, CallState, DialAttempt, DialResult
from calls.workflow import lock_call
from common.errors import Conflict, DomainError, NotFound

# Attempts can be logged while the call may still happen or has just been run.
LOGGABLE_STATES = (CallState.SCHEDULED, CallState.IN_PROGRESS)


def _may_log(call: Call, actor: User) -> bool:
    if actor.is_operator:
        return True
    mine = call.sessions.live().filter(interpreter=actor)
    return actor.role == Role.INTERPRETER and mine.exists()


def dial_attempt_log(
    *, call: Call, number: str, result: str, actor: User, now: datetime | None = None
) -> DialAttempt:
    """Record one try of one given number, with its time and who logged it."""
    now = now or timezone.now()
    if not _may_log(call, actor):
        raise NotFound("not_found", _("No such call."))
    if result not in DialResult.values:
        raise DomainError("bad_result", _("Choose what happened."), field="result")
    with transaction.atomic():
        locked = lock_call(call.pk)
        if locked.state not in LOGGABLE_STATES:
            raise Conflict("not_dialling", _("Attempts can be logged only while the call is on."))
        session = locked.sessions.live().first()
        numbers = {n.number for n in given_numbers(locked)}
        if str(number) not in numbers:
            raise DomainError(
                "not_a_given_number", _("That is not one of the numbers given."), field="number"
            )
        return DialAttempt.objects.create(
            call=locked, session=session, number=number, result=result, at=now, logged_by=actor
        )
