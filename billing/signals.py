"""What billing announces, after commit (listeners: notifications, for operators)."""

from django.dispatch import Signal

# kwargs: call_id, client_id, balance (Decimal, below zero)
client_overdrawn = Signal()
