"""Show a DomainError on the form fields it concerns, keeping the user's input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from .errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError, field_map: dict | None = None) -> None:
    """Attach each message of `error` to its field (renamed by `field_map`) or to the form."""
    field_map = field_map or {}
    if not error.errors:
        form.add_error(None, error.message)
        return
    for key, messages in error.errors.items():
        field = field_map.get(key, key)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def first_error(form: forms.Form) -> str:
    """The form's first error message, for pages that answer with a message, not the form."""
    for errors in form.errors.values():
        return errors[0]
    return _("Check the form.")
