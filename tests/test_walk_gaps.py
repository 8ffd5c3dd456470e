"""Issue 25, a gap left by the first round: a warning on a proposed time
inside the late-cancel window (item 3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import services
from calls.models import CallKind
from calls.proposals import proposal_rows
from calls.services.slots import call_slot_search
from scheduling.models import WorkingTime

from .factories import InterpreterFactory, MemberFactory
from .flows import agent_for, book, good_contacts

pytestmark = pytest.mark.django_db

ALL_WEEK = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00"}
]


def _confirmed(kind):
    interpreter = InterpreterFactory(time_zone="UTC", languages="en, ru, uk")
    WorkingTime.objects.create(interpreter=interpreter, hours=ALL_WEEK)
    call = book(kind=kind, member=MemberFactory(languages="ru"))
    call.client_windows = ALL_WEEK
    call.save()
    services.call_confirm(
        call=call,
        actor=agent_for(call),
        **good_contacts(is_video=kind == CallKind.VIDEO),
        member_windows=ALL_WEEK,
    )
    call.refresh_from_db()
    return call


@pytest.mark.parametrize(
    ("kind", "fee"), [(CallKind.VIDEO, "75.00 credits"), (CallKind.PHONE_INTERPRETED, None)]
)
def test_a_time_inside_the_late_cancel_window_says_so(kind, fee):
    call = _confirmed(kind)
    found = call_slot_search(call)
    assert found.proposals, found.message
    soon = proposal_rows(call, found, "UTC")
    assert soon[0]["starts_at"] - timezone.now() < timedelta(hours=24)
    assert "Less than 24 hours ahead" in soon[0]["late_note"]
    if fee:
        assert fee in soon[0]["late_note"]
    else:
        assert "costs" not in soon[0]["late_note"]
    # Read two days earlier, the same times are well outside the window.
    earlier = proposal_rows(call, found, "UTC", now=timezone.now() - timedelta(days=2))
    assert all(row["late_note"] == "" for row in earlier)
