"""Who sees a member's numbers in full (SPEC "Privacy"), and how the others see them.

In full: the member's agency, the session's interpreter on the session's day
(their own calendar day), duty managers and operators. Everyone else reads
`+7 *** *** 98 03`: the country code and the last four digits.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import PhoneNumberFormat, format_number

from accounts.models import Role, User
from calls.models import Call

_DIGIT = re.compile(r"\d")


def mask(number) -> str:
    """`+7 912 345-98-03` → `+7 *** *** 98 03`; keeps the country code and the last 4 digits."""
    if not number:
        return ""
    if isinstance(number, str):
        number = PhoneNumber.from_string(number) if number.startswith("+") else number
    try:
        text = format_number(number, PhoneNumberFormat.INTERNATIONAL)
    except Exception:  # an odd stored value: mask what there is
        text = str(number)
    text = text.replace("-", " ")
    country, _sep, rest = text.partition(" ") if text.startswith("+") else ("", "", text)
    digits = len(_DIGIT.findall(rest))
    keep_from = max(0, digits - 4)
    seen, out = 0, []
    for char in rest:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        else:
            out.append(char)
    masked = "".join(out)
    return f"{country} {masked}" if country else masked


def may_see_numbers(user: User, call: Call, *, now: datetime | None = None) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role in (Role.DUTY_MANAGER, Role.OPERATOR):
        return True
    if user.role == Role.AGENT:
        return user.agency_id == call.member.agency_id
    if user.role == Role.INTERPRETER:
        now = now or timezone.now()
        for session in call.sessions.all():
            if not session.is_live or session.interpreter_id != user.pk:
                continue
            # Their own calendar day(s) of the session: one that runs past midnight
            # keeps the numbers until it ends.
            zone = user.tz
            ends = session.ended_at or session.planned_end
            days = {session.starts_at.astimezone(zone).date(), ends.astimezone(zone).date()}
            if now.astimezone(zone).date() in days:
                return True
    return False


def shown_number(number, user: User, call: Call, *, now: datetime | None = None) -> str:
    """The one way a member's number is written for a reader: in full or masked."""
    if not number:
        return ""
    if may_see_numbers(user, call, now=now):
        return str(number)
    return mask(number)
