"""SPEC's tariffs and commission rules, the ones in force from the start.

The data migration seeds them; `ensure_spec_terms` puts them back where a
database was emptied (tests that flush tables between them).
"""

from datetime import UTC, datetime
from decimal import Decimal

START = datetime(2000, 1, 1, tzinfo=UTC)

# kind, price per minute, minimum billed minutes
TARIFFS = [
    ("phone_interpreted", Decimal("1.80"), 0),
    ("phone_direct", Decimal("1.00"), 0),
    ("video", Decimal("2.50"), 30),
]
# kind, percent of the call's total, minimum commission
RULES = [
    ("phone_interpreted", Decimal("20"), Decimal("0.00")),
    ("phone_direct", Decimal("20"), Decimal("0.00")),
    ("video", Decimal("60"), Decimal("45.00")),
]


def seed_terms(tariff_model, rule_model) -> None:
    """Create SPEC's rows if missing (works with migration-time models too)."""
    for kind, price, minimum in TARIFFS:
        tariff_model.objects.get_or_create(
            kind=kind,
            effective_from=START,
            defaults={"price_per_minute": price, "minimum_minutes": minimum, "note": "SPEC"},
        )
    for kind, percent, minimum in RULES:
        rule_model.objects.get_or_create(
            kind=kind,
            effective_from=START,
            defaults={"percent": percent, "minimum_amount": minimum, "note": "SPEC"},
        )


def ensure_spec_terms() -> None:
    from .models import CommissionRule, Tariff

    seed_terms(Tariff, CommissionRule)
