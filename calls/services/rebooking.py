"""Booking a missed call again ("Book again"): the new call is an ordinary booking,
and the office's "missed call: reschedule" task of the earlier call closes itself.

A missed call stays missed (its outcome and money are settled); the new call
is announced inside the booking's transaction with the earlier one's key, and
the notifications listener closes the task in that same transaction (calls
does not import notifications).
"""

from __future__ import annotations

from django.db import transaction

from calls.models import Call
from calls.services import call_request_create
from calls.signals import call_booked_again


def call_book_again(*, earlier: Call, **booking) -> Call:
    """Book a call with `booking` (as call_request_create) in place of `earlier`."""
    with transaction.atomic():
        call = call_request_create(**booking)
        call_booked_again.send(sender=Call, call_id=call.pk, earlier_id=earlier.pk)
    return call
