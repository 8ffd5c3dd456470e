"""Tariffs, pricing, the credit ledger and agents' commission statements."""
