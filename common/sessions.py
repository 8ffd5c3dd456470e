"""Database sessions that refuse malformed session keys.

Django accepts any cookie value of 8+ characters as a key and looks it up;
on PostgreSQL a value with a NUL byte makes that lookup raise (a 500 for a
forged cookie). Django's own keys are 32 lowercase letters and digits, so
anything else is simply no session.
"""

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore


class SessionStore(DbSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
