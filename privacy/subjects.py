"""Whose data: a person who signs in (client, agent, interpreter, ...) or a member.

Everything privacy does starts from a Subject: the calls that are theirs,
the strings that identify them (to find and replace in free texts), and a
stable pseudonym (the same person always gets the same one).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from phonenumbers import PhoneNumberFormat, format_number

from accounts.models import Role, User
from agents.contact_rules import NumberRole
from agents.models import Member
from calls.models import Call, ContactNumber
from common.errors import NotFound


@dataclass(frozen=True)
class Subject:
    kind: str  # "user" or "member"
    obj: User | Member

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def pseudonym(self) -> str:
        return pseudonym_for(self.kind, self.pk)

    @property
    def language(self) -> str:
        if self.kind == "user":
            return self.obj.language
        return "ru" if "ru" in (self.obj.languages or "") else "en"


def pseudonym_for(kind: str, pk: int) -> str:
    """Stable and not reversible without the server's secret: erased-3f9a1c2b7d."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"privacy:{kind}:{pk}".encode(), hashlib.sha256
    ).hexdigest()
    return f"erased-{digest[:10]}"


def subject_user(username: str) -> Subject:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound("not_found", "No person signs in with that username.")
    return Subject("user", user)


def subject_member(code: str) -> Subject:
    """A member by their agency's reference (`M-7001`), or `agency-id:reference`."""
    members = Member.objects.filter(reference=code)
    if ":" in code:
        agency_id, _sep, reference = code.partition(":")
        if agency_id.isdigit():
            members = Member.objects.filter(agency_id=int(agency_id), reference=reference)
    found = list(members[:2])
    if not found:
        raise NotFound("not_found", "No member has that reference.")
    if len(found) > 1:
        raise NotFound(
            "ambiguous", "Two agencies use that reference: give it as AGENCY_ID:REFERENCE."
        )
    return Subject("member", found[0])


def calls_of(subject: Subject) -> QuerySet[Call]:
    """The calls the subject took part in (as client, member, interpreter or agent)."""
    if subject.kind == "member":
        return Call.objects.filter(member=subject.obj)
    user = subject.obj
    if user.role == Role.CLIENT:
        scope = Q(client=user) | Q(created_by=user)
    elif user.role == Role.INTERPRETER:
        scope = Q(sessions__interpreter=user)
    elif user.role == Role.AGENT:
        scope = Q(confirmation__confirmed_by=user)
    else:
        scope = Q(created_by=user)
    return Call.objects.filter(scope).distinct()


def phone_forms(number) -> set[str]:
    """The ways a number is written in texts: +380671234567, +380 67 123 4567, ..."""
    if not number:
        return set()
    forms = {str(number)}
    try:
        parsed = number if hasattr(number, "country_code") else None
        if parsed is not None:
            for style in (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL):
                forms.add(format_number(parsed, style))
            national = format_number(parsed, PhoneNumberFormat.NATIONAL)
            forms.add(national)
            forms.add(str(parsed.national_number))
    except Exception:  # noqa: S110  (an odd stored number still has its E.164 form)
        pass
    return {f for f in forms if len(f) >= 6}


def member_numbers(member: Member) -> set:
    return set(
        ContactNumber.objects.filter(
            confirmation__call__member=member, role=NumberRole.MEMBER
        ).values_list("number", flat=True)
    )


def identifiers(subject: Subject) -> list[str]:
    """Every string that names the subject, longest first (so "Ann Lee" goes before "Ann")."""
    found: set[str] = set()
    if subject.kind == "user":
        user = subject.obj
        found |= {user.username, user.email, user.get_full_name(), user.first_name, user.last_name}
        found |= phone_forms(user.phone)
    else:
        member = subject.obj
        found |= {member.full_name, member.reference}
        found |= set(member.full_name.split()) if len(member.full_name.split()) > 1 else set()
        for number in member_numbers(member):
            found |= phone_forms(number)
        for call in Call.objects.filter(member=member).select_related("confirmation"):
            confirmation = getattr(call, "confirmation", None)
            if confirmation is not None:
                found |= phone_forms(confirmation.dial_number)
                found.add(confirmation.video_handle)
    # Very short strings (a two-letter name part) would replace ordinary words.
    return sorted((s for s in found if s and len(s) >= 3), key=len, reverse=True)


def scrub(text: str, words: list[str], replacement: str) -> str:
    for word in words:
        if word in text:
            text = text.replace(word, replacement)
    return text
