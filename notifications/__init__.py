"""The notification outbox, its channels, and the reminder and escalation sweeps."""
