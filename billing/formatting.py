"""Money as people read it: two decimals and the word "credits", in their language."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def credits(amount) -> str:
    """`credits(Decimal("12.5"))` -> "12.50 credits" (the number formatted for the language)."""
    value = Decimal(amount).quantize(Decimal("0.01"))
    return _("%(amount)s credits") % {"amount": number_format(value, decimal_pos=2)}
