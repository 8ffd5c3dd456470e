"""Reads about people: the agents of an agency, whose numbers these are."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agents.contact_rules import NumberRole
from agents.models import Member

from .models import Role, User


def agency_agents(agency_id: int) -> QuerySet[User]:
    """The agency's active agents (the people asked about its members), oldest first."""
    return User.objects.filter(role=Role.AGENT, agency_id=agency_id, is_active=True).order_by("id")


def numbers_of_other_people(numbers, *, member: Member) -> list[tuple[str, str, str]]:
    """Numbers given for `member` that belong to someone they can't belong to,
    each with why (SPEC step 3: one number is the member's own; the agent's
    numbers are this agency's): a number of another agency's staff, given as
    anything; a staff member's number given as the member's own. Returns
    (role, number, message) for each; the message names no other person."""
    given = {n.e164 for n in numbers}
    staff = {
        str(phone): agency_id
        for phone, agency_id in User.objects.filter(
            role__in=[Role.AGENT, Role.INTERPRETER, Role.OPERATOR, Role.DUTY_MANAGER],
            phone__in=given,
        ).values_list("phone", "agency_id")
    }
    problems: list[tuple[str, str, str]] = []
    for number in numbers:
        owner_agency = staff.get(number.e164, False)
        if owner_agency is False:
            continue
        if owner_agency not in (None, member.agency_id):
            message = _(
                "%(number)s is the number of another agency's staff: give this agency's numbers."
            )
            problems.append((number.role, number.e164, message % {"number": number.e164}))
        elif number.role == NumberRole.MEMBER:
            message = _(
                "%(number)s is a staff member's number, not the member's own: give the "
                "member's own number."
            )
            problems.append((number.role, number.e164, message % {"number": number.e164}))
    return problems
