"""The contact-number rules of SPEC step 3 ("Agent confirms"), as one pure function.

The agent gives at least three different numbers: the member's own (required
even when another number is dialled), the agent's mobile, and either the
responsible employee's number with their name or, when the agent is the
responsible person, a second number of the agent's. Numbers are parsed by
phonenumbers and kept in E.164; a number given twice counts once. The
interpreter dials one of the given numbers, or for video uses a video handle.

Forms, admin and API all call `check_contacts`; errors come back keyed by the
field they concern so each door can show them next to the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError

MIN_DISTINCT_NUMBERS = 3
MAX_NUMBERS = 10
MAX_VIDEO_HANDLE = 100


class NumberRole(models.TextChoices):
    MEMBER = "member", gettext_lazy("Member's own number")
    AGENT_MOBILE = "agent_mobile", gettext_lazy("Agent's mobile")
    RESPONSIBLE = "responsible", gettext_lazy("Responsible employee")
    AGENT_SECOND = "agent_second", gettext_lazy("Agent's second number")
    OTHER = "other", gettext_lazy("Other (e.g. agency office)")


@dataclass(frozen=True)
class NumberInput:
    role: str
    raw: str


@dataclass(frozen=True)
class CheckedNumber:
    role: str
    e164: str


@dataclass(frozen=True)
class CheckedContacts:
    numbers: list[CheckedNumber]
    responsible_name: str
    agent_is_responsible: bool
    dial_number: str  # E.164, empty for video
    video_handle: str  # empty for phone calls


def parse_number(raw: str, region: str) -> str | None:
    """E.164 form of a number typed by a person, or None if it is not a valid number."""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _digits(raw: str) -> str:
    """A typed number reduced to its digits, to recognise the same typing twice."""
    return "".join(ch for ch in raw or "" if ch.isdigit())


def check_contacts(
    *,
    numbers: list[NumberInput],
    responsible_name: str,
    agent_is_responsible: bool,
    dial: str,
    video_handle: str,
    is_video: bool,
    region: str,
) -> CheckedContacts:
    """Apply every rule; raise one DomainError listing every broken rule by field.

    `dial` is the number to dial as typed (it must be one of the given numbers).
    Field keys: "numbers-<i>" for a row, "numbers" for the set as a whole,
    "responsible_name", "dial", "video_handle".
    """
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    valid_roles = set(NumberRole.values)
    checked: list[CheckedNumber] = []
    seen: set[str] = set()
    # One message per mistake: a row whose number is malformed says so, and the
    # rules that row was meant to satisfy (its role, the count, the number to
    # dial) stay quiet until it is fixed.
    malformed_roles: set[str] = set()
    malformed_raw: set[str] = set()
    rows = [n for n in numbers if (n.raw or "").strip()]
    if len(rows) > MAX_NUMBERS:
        fail("numbers", _("Give at most %(max)d numbers.") % {"max": MAX_NUMBERS})
    for index, entry in enumerate(numbers):
        if not (entry.raw or "").strip():
            continue
        field = f"numbers-{index}"
        if entry.role not in valid_roles:
            fail(field, _("Choose whose number this is."))
            continue
        e164 = parse_number(entry.raw, region)
        if e164 is None:
            malformed_roles.add(entry.role)
            if _digits(entry.raw):
                malformed_raw.add(_digits(entry.raw))
            fail(
                field,
                _(
                    "This is not a valid phone number. "
                    "Write it with the country code, e.g. +7 912 345-67-89."
                ),
            )
            continue
        if e164 in seen:
            # Same number under another role: it still fills that role, but
            # counts once towards the three.
            checked.append(CheckedNumber(role=entry.role, e164=e164))
            continue
        seen.add(e164)
        checked.append(CheckedNumber(role=entry.role, e164=e164))

    roles = {n.role for n in checked}
    by_role = {}
    for n in checked:
        by_role.setdefault(n.role, set()).add(n.e164)

    roles_meant = roles | malformed_roles
    if len(seen) + len(malformed_raw) < MIN_DISTINCT_NUMBERS:
        fail(
            "numbers",
            _("Give at least three different phone numbers (a number given twice counts once)."),
        )
    if NumberRole.MEMBER not in roles_meant:
        fail(
            "numbers",
            _("The member's own number is required, even if the call goes to another number."),
        )
    if NumberRole.AGENT_MOBILE not in roles_meant:
        fail("numbers", _("The agent's mobile number is required."))

    responsible_name = (responsible_name or "").strip()
    if agent_is_responsible:
        agent_numbers = by_role.get(NumberRole.AGENT_MOBILE, set()) | by_role.get(
            NumberRole.AGENT_SECOND, set()
        )
        agent_rows_malformed = malformed_roles & {NumberRole.AGENT_MOBILE, NumberRole.AGENT_SECOND}
        if not agent_rows_malformed and (
            NumberRole.AGENT_SECOND not in roles or len(agent_numbers) < 2
        ):
            fail(
                "numbers",
                _(
                    "When you are the responsible person, give two different numbers where "
                    "you can be reached at the agreed time: your mobile and a second number."
                ),
            )
    else:
        if NumberRole.RESPONSIBLE not in roles_meant:
            fail("numbers", _("Give the number of the employee responsible for the call."))
        if not responsible_name:
            fail("responsible_name", _("Give the name of the employee responsible for the call."))

    dial_e164 = ""
    handle = (video_handle or "").strip()
    if is_video:
        if not handle:
            fail("video_handle", _("A video call needs the member's video-call handle."))
        elif len(handle) > MAX_VIDEO_HANDLE:
            fail("video_handle", _("The video handle is too long."))
    else:
        handle = ""
        dial_e164 = parse_number(dial or "", region) or ""
        if not (dial or "").strip():
            fail("dial", _("Choose which number the interpreter should dial."))
        elif dial_e164 not in seen and _digits(dial) not in malformed_raw:
            fail("dial", _("The number to dial must be one of the numbers given above."))

    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError("contact_rules", first, errors=errors)
    return CheckedContacts(
        numbers=checked,
        responsible_name=responsible_name if not agent_is_responsible else "",
        agent_is_responsible=agent_is_responsible,
        dial_number=dial_e164,
        video_handle=handle,
    )
