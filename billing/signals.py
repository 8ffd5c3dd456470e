"""What billing announces, inside the transaction of the change (listeners:
notifications, which opens an operator task in that same transaction)."""

from django.dispatch import Signal

# kwargs: call_id, client_id, balance (Decimal, below zero)
client_overdrawn = Signal()
