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


# SPEC "When a call does not happen", who pays: kind -> outcome -> basis.
# "minimum" is the tariff's prepaid minimum with its commission (video: 75.00,
# agent 45.00); "fixed" with no amounts is nothing at all.
_NO_CHARGE = {
    "member_unreachable": "fixed",
    "office_fault": "fixed",
    "member_cancelled": "fixed",
}
POLICIES = {
    "phone_interpreted": {
        "completed": "talk_time",
        **_NO_CHARGE,
        "client_no_show": "fixed",
        "late_cancel": "fixed",
    },
    "phone_direct": {
        "completed": "talk_time",
        **_NO_CHARGE,
        "client_no_show": "fixed",
        "late_cancel": "fixed",
    },
    "video": {
        "completed": "talk_time",
        **_NO_CHARGE,
        "client_no_show": "minimum",
        "late_cancel": "minimum",
    },
}


def seed_policies(policy_model) -> None:
    """Create SPEC's who-pays rows if missing (works with migration-time models too)."""
    for kind, outcomes in POLICIES.items():
        for outcome, basis in outcomes.items():
            policy_model.objects.get_or_create(
                kind=kind,
                outcome=outcome,
                effective_from=START,
                defaults={"basis": basis, "note": "SPEC"},
            )


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
    from .models import CommissionRule, OutcomePolicy, Tariff

    seed_terms(Tariff, CommissionRule)
    seed_policies(OutcomePolicy)
