"""SPEC step 3: each contact-number rule, with a test that fails without it."""

import pytest

from agents.contact_rules import NumberInput, NumberRole, check_contacts
from common.errors import DomainError

MEMBER = NumberInput(NumberRole.MEMBER, "+380 67 123 4567")
AGENT = NumberInput(NumberRole.AGENT_MOBILE, "+380 50 765 4321")
RESPONSIBLE = NumberInput(NumberRole.RESPONSIBLE, "+380 44 222 3344")
AGENT_SECOND = NumberInput(NumberRole.AGENT_SECOND, "+380 93 111 2233")


def check(
    numbers,
    *,
    name="Olena",
    agent_is_responsible=False,
    dial="+380671234567",
    handle="",
    is_video=False,
    region="UA",
):
    return check_contacts(
        numbers=numbers,
        responsible_name=name,
        agent_is_responsible=agent_is_responsible,
        dial=dial,
        video_handle=handle,
        is_video=is_video,
        region=region,
    )


def errors_of(**kwargs):
    with pytest.raises(DomainError) as info:
        check(**kwargs)
    assert info.value.code == "contact_rules"
    return info.value.errors


def test_three_valid_numbers_are_stored_in_e164():
    result = check([MEMBER, AGENT, RESPONSIBLE])
    assert [n.e164 for n in result.numbers] == ["+380671234567", "+380507654321", "+380442223344"]
    assert result.dial_number == "+380671234567"
    assert result.responsible_name == "Olena"


def test_numbers_without_country_code_use_the_agency_region():
    result = check(
        [NumberInput(NumberRole.MEMBER, "8 912 345-67-89"), AGENT, RESPONSIBLE],
        dial="+79123456789",
        region="RU",
    )
    assert result.numbers[0].e164 == "+79123456789"


def test_fewer_than_three_numbers_is_refused():
    errors = errors_of(numbers=[MEMBER, AGENT], agent_is_responsible=False)
    assert any("three" in m for m in errors["numbers"])


def test_a_duplicate_does_not_count_twice():
    same_as_member = NumberInput(NumberRole.RESPONSIBLE, MEMBER.raw)
    errors = errors_of(numbers=[MEMBER, AGENT, same_as_member])
    assert any("three" in m for m in errors["numbers"])


def test_member_number_is_required_even_when_another_number_is_dialled():
    office = NumberInput(NumberRole.OTHER, "+380 57 700 1122")
    errors = errors_of(numbers=[office, AGENT, RESPONSIBLE], dial="+380577001122")
    assert any("member's own number" in m for m in errors["numbers"])


def test_agent_mobile_is_required():
    office = NumberInput(NumberRole.OTHER, "+380 57 700 1122")
    errors = errors_of(numbers=[MEMBER, office, RESPONSIBLE])
    assert any("agent's mobile" in m for m in errors["numbers"])


def test_responsible_number_is_required_when_someone_else_is_responsible():
    office = NumberInput(NumberRole.OTHER, "+380 57 700 1122")
    errors = errors_of(numbers=[MEMBER, AGENT, office])
    assert any("responsible" in m for m in errors["numbers"])


def test_responsible_name_is_required():
    errors = errors_of(numbers=[MEMBER, AGENT, RESPONSIBLE], name="  ")
    assert "responsible_name" in errors


def test_agent_who_is_responsible_gives_two_numbers_of_their_own():
    result = check([MEMBER, AGENT, AGENT_SECOND], name="", agent_is_responsible=True)
    assert result.agent_is_responsible
    errors = errors_of(
        numbers=[MEMBER, AGENT, NumberInput(NumberRole.OTHER, "+380 57 700 1122")],
        name="",
        agent_is_responsible=True,
    )
    assert any("two different numbers" in m for m in errors["numbers"])


def test_agent_second_number_equal_to_mobile_does_not_count():
    errors = errors_of(
        numbers=[
            MEMBER,
            AGENT,
            NumberInput(NumberRole.AGENT_SECOND, AGENT.raw),
            NumberInput(NumberRole.OTHER, "+380 57 700 1122"),
        ],
        name="",
        agent_is_responsible=True,
    )
    assert any("two different numbers" in m for m in errors["numbers"])


def test_invalid_number_is_reported_on_its_row():
    errors = errors_of(numbers=[MEMBER, NumberInput(NumberRole.AGENT_MOBILE, "12"), RESPONSIBLE])
    assert "numbers-1" in errors


def test_dialled_number_must_be_one_of_the_given_numbers():
    errors = errors_of(numbers=[MEMBER, AGENT, RESPONSIBLE], dial="+380 63 000 0000")
    assert "dial" in errors


def test_phone_call_needs_a_number_to_dial():
    errors = errors_of(numbers=[MEMBER, AGENT, RESPONSIBLE], dial="")
    assert "dial" in errors


def test_video_needs_a_handle():
    errors = errors_of(numbers=[MEMBER, AGENT, RESPONSIBLE], dial="", is_video=True)
    assert "video_handle" in errors
    result = check([MEMBER, AGENT, RESPONSIBLE], dial="", handle="olena.k", is_video=True)
    assert result.video_handle == "olena.k"
    assert result.dial_number == ""


def test_every_broken_rule_is_reported_at_once():
    errors = errors_of(
        numbers=[NumberInput(NumberRole.OTHER, "+380 57 700 1122")], name="", dial=""
    )
    assert set(errors) >= {"numbers", "responsible_name", "dial"}
    assert len(errors["numbers"]) >= 3


def test_a_malformed_number_is_one_mistake_with_one_message():
    """The member's number mistyped (and chosen to dial): only its row complains,
    not also "the member's number is required", "three numbers" or "dial one of them"."""
    bad_member = NumberInput(NumberRole.MEMBER, "+380 67 12")
    errors = errors_of(numbers=[bad_member, AGENT, RESPONSIBLE], dial="+380 67 12")
    assert list(errors) == ["numbers-0"]
    assert len(errors["numbers-0"]) == 1
    assert "not a valid phone number" in errors["numbers-0"][0]


def test_a_mistyped_dial_number_of_no_row_is_still_reported():
    errors = errors_of(numbers=[MEMBER, AGENT, RESPONSIBLE], dial="+380 99 1")
    assert list(errors) == ["dial"]
