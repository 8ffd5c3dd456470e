"""The one application error type.

Services raise DomainError with a stable machine-readable code and a message
already translated into the active language (translated when raised, because
Celery runs in the default language). Admin, pages and API turn it into a
readable answer; the API maps it to a 4xx in one exception handler.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse. Never a bug; always shown to the user."""

    status_code = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, errors=None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        # Field name -> list of messages, for forms that show errors per field.
        self.errors = errors or ({field: [self.message]} if field else {})

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """An object that does not exist for this user (foreign objects included)."""

    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state (a taken slot, an illegal transition)."""

    status_code = 409
