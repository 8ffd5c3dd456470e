"""A row of the client's dashboard reads as every other page does (client_pages/rows.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from uuid import uuid4

import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from billing.formatting import credits
from calls.models import Call
from client_pages.rows import client_rows

# 10:00 in New York on a Wednesday: no day boundary near.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _call(**fields):
    base = dict(
        pk=1,
        number="C-10001",
        public_id=uuid4(),
        member_reference="NOV-100",
        kind="video",
        state="requested",
        created_at=NOW,
        starts_at=None,
        charge=None,
        held=None,
    )
    call = SimpleNamespace(**{**base, **fields})
    call.get_kind_display = lambda: "Video call"
    call.get_state_display = lambda: "Requested"
    return call


def _row(language, **fields):
    with time_machine.travel(NOW, tick=False), translation.override(language):
        with timezone.override("America/New_York"):
            return client_rows([_call(**fields)])[0]


def test_a_call_without_a_session_says_when_it_was_booked_without_this_years_number():
    assert _row("en", created_at=NOW - timedelta(days=1))["when"] == "booked yesterday"
    assert _row("en", created_at=datetime(2026, 11, 3, 15, 0, tzinfo=UTC))["when"] == "booked Nov 3"
    assert _row("ru", created_at=datetime(2026, 11, 3, 15, 0, tzinfo=UTC))["when"] == (
        "заказан 3 ноября"
    )
    assert _row("en", created_at=datetime(2025, 12, 30, 15, 0, tzinfo=UTC))["when"] == (
        "booked Dec 30, 2025"
    )


def test_a_scheduled_call_says_when_it_starts_in_the_readers_zone():
    row = _row("en", starts_at=NOW + timedelta(days=1, hours=2))
    assert row["when"] == "tomorrow, 12:00 PM"
    assert _row("ru", starts_at=NOW + timedelta(days=1, hours=2))["when"] == "завтра, 12:00"


def test_money_reads_as_credits_in_the_readers_language():
    assert _row("en", held=Decimal("75.00"))["held"] == "75.00 credits held"
    assert _row("ru", held=Decimal("75.00"))["held"] == "в резерве 75,00 кредита"
    settled = _row("en", charge=Decimal("0.00"), held=None)
    assert settled["charge"] == "0.00 credits"  # a free call still shows its charge
    assert _row("en")["charge"] == "" and _row("en")["held"] == ""


def test_each_row_links_to_its_own_call():
    calls = [_call(public_id=uuid4()) for _ in range(3)]
    with translation.override("en"):
        links = [row["url"] for row in client_rows(calls)]
    assert links == [reverse("client-call", args=[call.public_id]) for call in calls]


def test_call_labels_follow_the_active_language_each_time():
    # Labels are remembered per language (calls.models._label): never the first one asked.
    call = Call(kind="video", state="scheduled")
    for language, kind, state in [
        ("en", "Video call", "Scheduled"),
        ("ru", "Видеозвонок", "Назначен"),
        ("en", "Video call", "Scheduled"),
    ]:
        with translation.override(language):
            assert (call.get_kind_display(), call.get_state_display()) == (kind, state)
    assert Call(kind="video", state="no-such-state").get_state_display() == "no-such-state"


def test_money_reads_in_the_language_asked_each_time():
    amounts = [credits(Decimal("1234.5")) for _ in range(2)]
    with translation.override("ru"):
        russian = credits(Decimal("1234.5"))
    with translation.override("en"):
        english = credits(Decimal("1234.5"))
    assert russian != english and english == amounts[0] == amounts[1]
