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

import re
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from .localtime import LocalTimeError, local_to_utc, to_utc

# Typed dates stay well inside the calendar, so turning them into another zone
# (a preview, UTC) can't overflow at year 1 or 9999.
MIN_YEAR, MAX_YEAR = 1900, 2999


def _within_the_calendar(moment):
    if moment is not None and not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValidationError(
            _("Enter a date between the years %(min)s and %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
            code="out_of_range",
        )
    return moment


class WallClockField(forms.DateTimeField):
    """A date and time as typed, naive: the form decides the zone.

    Django's own to_python reads the text in the active zone at once, and a
    time that happens twice there (an operator in Kyiv typing 03:30 on the
    night the clocks go back) would be refused with its generic "may be
    ambiguous or may not exist" before the form could say more."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            moment = value
        else:
            text = str(value).strip()
            try:
                moment = parse_datetime(text)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            if moment is None:  # one of input_formats (strptime), still naive
                moment = self._from_input_formats(text)
        return _within_the_calendar(moment).replace(tzinfo=None)

    def prepare_value(self, value):
        return value

    def _from_input_formats(self, text: str) -> datetime:
        for input_format in self.input_formats:
            try:
                return datetime.strptime(text, input_format)
            except (ValueError, TypeError):
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


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
        moment = _within_the_calendar(super().compress(data_list))  # or can't read at all
        if moment is None:
            return None
        try:
            return local_to_utc(moment, timezone.get_current_timezone())
        except LocalTimeError as error:
            raise ValidationError(error.message, code=error.code) from None


# RFC 3339 (a profile of ISO 8601): full date, "T", hours and minutes (seconds
# and a fraction optional), then "Z" or an offset; no offset here means the
# user's own zone. Week dates ("2026-W51"), ordinal dates, control characters
# and other ISO 8601 spellings Python would read are refused.
RFC_3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:\d{2})?"
)


class InstantField(serializers.DateTimeField):
    """An RFC 3339 time; without an offset it is wall-clock time in the user's zone.

    `whole_minute`: a start, which is on a whole minute (seconds and fractions
    refused, not silently dropped)."""

    default_error_messages = {
        "rfc3339": _lazy(
            "Write the time as RFC 3339, e.g. 2027-03-29T15:00:00+02:00 (or without the "
            "offset, in your own time zone)."
        ),
        "whole_minute": _lazy("Give a time on a whole minute (seconds 00)."),
    }

    def __init__(self, *args, whole_minute: bool = False, **kwargs):
        self.whole_minute = whole_minute
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not RFC_3339.fullmatch(value):
            self.fail("rfc3339")
        moment = super().to_internal_value(value)
        if self.whole_minute and (moment.second or moment.microsecond):
            self.fail("whole_minute")
        return moment

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
