"""Reads for agencies and their members."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from common.errors import DomainError

from .models import Member


def members_by_reference(*, reference: str, agency_name: str = "") -> QuerySet[Member]:
    """Active members with this reference (any case), in this agency if named."""
    members = Member.objects.filter(is_active=True, reference__iexact=reference.strip())
    if agency_name.strip():
        members = members.filter(agency__name__iexact=agency_name.strip())
    return members.select_related("agency")


def member_by_reference(*, reference: str, agency_name: str = "") -> Member:
    """The active member with this reference (the agency's own code for her).

    References are unique within an agency, not across agencies: when two
    agencies use the same one, the agency's name decides. Refuses on the field
    to correct (`member`, or `agency` when the reference is ambiguous).
    """
    found = list(members_by_reference(reference=reference, agency_name=agency_name)[:2])
    if not found:
        raise DomainError("no_member", _("No active member has this code."), field="member")
    if len(found) > 1:
        raise DomainError(
            "member_ambiguous",
            _("Several agencies have a member with this code: give the agency's name."),
            field="agency",
        )
    return found[0]


def agency_agents(agency_id: int) -> QuerySet[User]:
    """The agency's active agents (the people asked about its members), oldest first."""
    return User.objects.filter(role=Role.AGENT, agency_id=agency_id, is_active=True).order_by("id")


def numbers_of_other_people(numbers, *, member: Member) -> list[tuple[str, str, str]]:
    """Numbers given for `member` that belong to someone they can't belong to,
    each with why (SPEC step 3: one number is the member's own; the agent's
    numbers are this agency's): a number of another agency's staff, given as
    anything; a staff member's number given as the member's own. Returns
    (role, number, message) for each; the message names no other person."""
    from .contact_rules import NumberRole

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
