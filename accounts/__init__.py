"""Users, their roles, time zones and languages."""
