"""Reads for notifications: who is told, and the facts a message needs in few queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from calls.models import Call, Session


def sessions_with_facts(qs: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with everything a message about them shows, fetched together."""
    return qs.select_related(
        "call__member__agency",
        "call__client",
        "call__confirmation__confirmed_by",
        "interpreter",
    ).prefetch_related("call__confirmation__numbers")


def calls_with_facts(qs: QuerySet[Call]) -> QuerySet[Call]:
    return qs.select_related("member__agency", "client")


def confirmation_of(call: Call):
    """The agent's confirmation, or None (without raising)."""
    return getattr(call, "confirmation", None)


def agents_for_call(call: Call) -> list[User]:
    """Who answers for the member: the agent who confirmed, else every active agent
    of the member's agency."""
    confirmation = confirmation_of(call)
    confirmed_by = confirmation.confirmed_by if confirmation else None
    if confirmed_by is not None and confirmed_by.is_active and confirmed_by.role == Role.AGENT:
        return [confirmed_by]
    return list(
        User.objects.filter(
            role=Role.AGENT, agency_id=call.member.agency_id, is_active=True
        ).order_by("id")
    )


def operators_active() -> list[User]:
    return list(
        User.objects.filter(Q(role=Role.OPERATOR) | Q(is_superuser=True), is_active=True).order_by(
            "id"
        )
    )
