"""Billing models (tariffs, ledger): filled in by the billing work."""
