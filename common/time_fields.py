"""Fields that read a time typed by a person, at every door, through common.localtime.

- `WallClockField` (forms): keeps the typed wall-clock time naive, so the form
  can read it in a zone the person chose on the same form (Django's own field
  would read it in the active zone first and refuse or shift it there).
- `LocalSplitDateTimeField` (admin date + time widgets): reads the time in the
  active zone (the operator's own).
- `InstantField` (API): a time with an offset is that instant; a time without
  one is read in the user's zone. Either way the service gets aware UTC.

A time that does not exist, or exists twice, in its zone is a field error
with the wording of `common.localtime`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

from .localtime import LocalTimeError, local_to_utc, to_utc


class WallClockField(forms.DateTimeField):
    """A date and time as typed, naive: the form decides the zone."""

    def to_python(self, value):
        moment = super().to_python(value)
        return None if moment is None else moment.replace(tzinfo=None)

    def prepare_value(self, value):
        return value


def form_local_to_utc(form: forms.Form, field: str, zone) -> None:
    """Replace the naive `form.cleaned_data[field]` by its UTC instant in `zone`,
    or put the reason it names no single instant on the field."""
    wall = form.cleaned_data.get(field)
    if wall is None:
        return
    try:
        form.cleaned_data[field] = local_to_utc(wall, zone)
    except LocalTimeError as error:
        form.add_error(field, error.message)


class LocalSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date + time pair, read in the active (the operator's) zone."""

    def compress(self, data_list):
        if not data_list:
            return None
        moment = super().compress(data_list)  # refuses what it can't read at all
        if moment is None:
            return None
        try:
            return local_to_utc(moment, timezone.get_current_timezone())
        except LocalTimeError as error:
            raise ValidationError(error.message, code=error.code) from None


class InstantField(serializers.DateTimeField):
    """An ISO 8601 time; without an offset it is wall-clock time in the user's zone."""

    def enforce_timezone(self, value):
        try:
            if timezone.is_aware(value):
                return to_utc(value)
            return local_to_utc(value, timezone.get_current_timezone())
        except LocalTimeError as error:
            raise serializers.ValidationError(error.message, code=error.code) from None
        except OverflowError:
            self.fail("overflow")

    def to_representation(self, value):
        # Read as UTC, shown like every other time of the API: in the user's zone.
        if not value:
            return None
        return serializers.DateTimeField().to_representation(value)
