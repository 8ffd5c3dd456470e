"""Reads for notifications: who is told, and the facts a message needs in few queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Role, User
from calls.models import Call, Session


def _active_agents() -> Prefetch:
    return Prefetch(
        "staff",
        queryset=User.objects.filter(role=Role.AGENT, is_active=True).order_by("id"),
        to_attr="active_agents",
    )


def sessions_with_facts(qs: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with everything a message about them shows, fetched together
    (a constant number of queries per batch, whatever its size)."""
    return qs.select_related(
        "call__member__agency",
        "call__client",
        "call__confirmation__confirmed_by",
        "interpreter",
    ).prefetch_related(
        "call__confirmation__numbers",
        Prefetch("call__member__agency", queryset=_agencies_with_agents()),
    )


def calls_with_facts(qs: QuerySet[Call]) -> QuerySet[Call]:
    return qs.select_related(
        "member__agency", "client", "confirmation__confirmed_by"
    ).prefetch_related(Prefetch("member__agency", queryset=_agencies_with_agents()))


def _agencies_with_agents():
    from agents.models import Agency

    return Agency.objects.prefetch_related(_active_agents())


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
    agency = call.member.agency
    if hasattr(agency, "active_agents"):  # prefetched by *_with_facts
        return list(agency.active_agents)
    return list(agency.staff.filter(role=Role.AGENT, is_active=True).order_by("id"))


def operators_active() -> list[User]:
    return list(
        User.objects.filter(Q(role=Role.OPERATOR) | Q(is_superuser=True), is_active=True).order_by(
            "id"
        )
    )
