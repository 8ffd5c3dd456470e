"""Notification models (the outbox): filled in by the notifications work."""
