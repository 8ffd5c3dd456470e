"""What the duty desk announces, inside the transaction of the change (listeners:
webhooks, which record their deliveries in that same transaction)."""

from django.dispatch import Signal

# kwargs: dispute_id, call_id, at
dispute_opened = Signal()
# kwargs: dispute_id, call_id, at
dispute_decided = Signal()
