"""Reads for agencies and their members."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

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
