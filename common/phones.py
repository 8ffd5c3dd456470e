"""How a phone number reads where people read it: the international format
("+380 67 123 4567"), never the raw E.164 the database keeps ("+380671234567").
Links (`tel:`) and machines (API, webhooks, CSV for programs) keep E.164."""

from __future__ import annotations

from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException, PhoneNumberFormat, format_number


def readable(number) -> str:
    """`+380671234567` (a PhoneNumber or its text) -> "+380 67 123 4567"; what
    can't be read as a number is given back as it is; nothing is ""."""
    if not number:
        return ""
    if isinstance(number, str):
        try:
            number = PhoneNumber.from_string(number)
        except NumberParseException:
            return number
    try:
        return format_number(number, PhoneNumberFormat.INTERNATIONAL)
    except Exception:  # an odd stored value: show what there is
        return str(number)
