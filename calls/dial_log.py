"""The dial attempt log of a call and what it proves (reads; logging a try is
calls.services.attempts).

SPEC "When a call does not happen": the agent answers for every given number
being reachable at the agreed time. The interpreter logs each try (number,
time, result); `member_unreachable` is a fair outcome only when every given
number was tried from the session's start on and none was answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from agents.contact_rules import NumberRole

from .models import Call, DialAttempt, DialResult, Session


@dataclass
class GivenNumber:
    """One distinct number the agent gave, with every role it was given for."""

    number: str  # E.164
    roles: list[str] = field(default_factory=list)
    attempts: list[DialAttempt] = field(default_factory=list)

    @property
    def role_labels(self) -> str:
        return ", ".join(str(_role_label(role)) for role in self.roles)

    @property
    def answered(self) -> bool:
        return any(a.result == DialResult.ANSWERED for a in self.attempts)


DIAL = "dial"


def _role_label(role: str):
    if role == DIAL:
        return _("number to dial")
    return NumberRole(role).label


def given_numbers(call: Call) -> list[GivenNumber]:
    """The distinct numbers the agent gave for `call`, in the order given, the
    number to dial first (prefetch `confirmation__numbers` to save queries)."""
    confirmation = getattr(call, "confirmation", None)
    if confirmation is None:
        return []
    found: dict[str, GivenNumber] = {}
    if confirmation.dial_number:
        found[str(confirmation.dial_number)] = GivenNumber(str(confirmation.dial_number), [DIAL])
    for contact in confirmation.numbers.all():
        entry = found.setdefault(str(contact.number), GivenNumber(str(contact.number)))
        if contact.role not in entry.roles:
            entry.roles.append(contact.role)
    return list(found.values())


def attempt_log(
    call: Call, session: Session | None = None, *, attempts: list[DialAttempt] | None = None
) -> list[GivenNumber]:
    """Each given number with its attempts since the session's start (or all).
    `attempts`: the call's attempts, loaded already (for a batch of calls)."""
    numbers = given_numbers(call)
    if attempts is None:
        attempts = DialAttempt.objects.filter(call=call).select_related("logged_by")
        if session is not None:
            attempts = attempts.filter(at__gte=session.starts_at)
    elif session is not None:
        attempts = [a for a in attempts if a.at >= session.starts_at]
    by_number = {n.number: n for n in numbers}
    for attempt in attempts:
        target = by_number.get(str(attempt.number))
        if target is not None:
            target.attempts.append(attempt)
    return numbers


def unreachable_proven(
    call: Call, session: Session | None, *, attempts: list[DialAttempt] | None = None
) -> bool:
    """Every given number tried from the start time on, none answered.
    `attempts`: the call's attempts, loaded already (for a batch of calls)."""
    if session is None or attempts == []:
        return False  # nothing tried proves nothing (and costs no query)
    log = attempt_log(call, session, attempts=attempts)
    return bool(log) and all(n.attempts and not n.answered for n in log)
