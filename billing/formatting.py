"""Money as people read it: two decimals and the word "credits", in their language."""

from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from common.caches import settings_cache

CENT = Decimal("0.01")


def credits(amount) -> str:
    """`credits(Decimal("12.5"))` -> "12.50 credits" (the number formatted for the language)."""
    # Keyed by the text, not the number: -0.00 == 0.00, but they read differently.
    return _credits_in(str(Decimal(amount).quantize(CENT)), translation.get_language())


@settings_cache(maxsize=4096)
def _credits_in(amount: str, language: str | None) -> str:
    # Remembered per language: lists show the same few prices over and over,
    # and number_format reads four settings of the locale each time. The
    # cache is emptied when a setting changes (USE_THOUSAND_SEPARATOR, ...).
    number = number_format(Decimal(amount), decimal_pos=2)
    return _("%(amount)s credits") % {"amount": number}
