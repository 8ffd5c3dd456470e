"""Issue 25, item 7: a number another member gave as her own is not this
member's, in any role; refused on its row, naming nobody."""

import pytest

from agents.contact_rules import NumberInput, NumberRole
from calls import services
from calls.models import CallState
from common.errors import DomainError
from common.phones import readable

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import MemberFactory
from .flows import GOOD_NUMBERS, agent_for, book, confirm, good_contacts, own_number

pytestmark = pytest.mark.django_db


def _numbers(member_number, *, responsible=GOOD_NUMBERS[2].raw):
    return [
        NumberInput(NumberRole.MEMBER, member_number),
        NumberInput(NumberRole.AGENT_MOBILE, GOOD_NUMBERS[1].raw),
        NumberInput(NumberRole.RESPONSIBLE, responsible),
    ]


def test_each_member_of_the_fixtures_has_her_own_number():
    first, second = MemberFactory(), MemberFactory()
    assert own_number(first) != own_number(second)
    confirm(book(member=first))
    confirm(book(member=second))  # accepted: not the first member's number


def test_another_members_own_number_given_as_this_members_own_is_refused():
    first = book()
    confirm(first)
    taken = own_number(first.member)
    other = book(member=MemberFactory())
    with pytest.raises(DomainError) as refused:
        services.call_confirm(
            call=other,
            actor=agent_for(other),
            **{**good_contacts(), "numbers": _numbers(taken), "dial": taken},
        )
    assert refused.value.code == "number_of_someone_else"
    assert refused.value.message == (
        f"{taken} is another member's own number: give this member's numbers."
    )
    assert refused.value.errors == {"numbers-0": [refused.value.message]}
    assert first.member.full_name not in refused.value.message
    other.refresh_from_db()
    assert other.state == CallState.AWAITING_AGENT


def test_given_in_another_role_it_is_refused_too():
    first = book()
    confirm(first)
    taken = own_number(first.member)
    other = book(member=MemberFactory())
    mine = own_number(other.member)
    with pytest.raises(DomainError) as refused:
        services.call_confirm(
            call=other,
            actor=agent_for(other),
            **{**good_contacts(), "numbers": _numbers(mine, responsible=taken), "dial": mine},
        )
    assert list(refused.value.errors) == ["numbers-2"]


def test_the_same_members_number_on_her_next_call_is_hers():
    first = book()
    confirm(first)
    again = book(member=first.member)
    confirm(again)
    again.refresh_from_db()
    assert again.state == CallState.CONFIRMED
    assert str(again.confirmation.dial_number) == own_number(first.member)


def test_the_api_answers_400_on_the_row():
    first = book()
    confirm(first)
    taken = own_number(first.member)
    other = book(member=MemberFactory())
    answer = api_as(agent_for(other)).post(
        f"/api/v1/agent/requests/{other.public_id}/confirm/",
        {
            "numbers": [
                {"role": "member", "number": readable(taken)},
                {"role": "agent_mobile", "number": "+380 50 765 4321"},
                {"role": "responsible", "number": "+380 44 222 3344"},
            ],
            "responsible_name": "Olena Petrenko",
            "agent_is_responsible": False,
            "dial": taken,
            "availability": "after 18:00",
        },
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["code"] == "number_of_someone_else"
