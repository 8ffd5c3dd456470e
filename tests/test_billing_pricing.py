"""SPEC "Services and tariffs": the pricing function and the price_call command."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.management.commands.price_call import Command as PriceCallCommand
from billing.models import CommissionRule, Tariff
from billing.pricing import PricingError, check_terms, hold_amount, price_call
from common.errors import DomainError

from .factories import aware

pytestmark = pytest.mark.django_db

D = Decimal

# SPEC worked figures: kind, talk seconds, billed minutes, client, agent, house.
SPEC_TABLE = [
    ("phone_interpreted", 10 * 60, 10, "18.00", "3.60", "14.40"),
    ("phone_interpreted", 10 * 60 + 1, 11, "19.80", "3.96", "15.84"),
    ("phone_direct", 25 * 60, 25, "25.00", "5.00", "20.00"),
    ("video", 12 * 60, 30, "75.00", "45.00", "30.00"),
    ("video", 45 * 60, 45, "112.50", "67.50", "45.00"),
]
# Edges around the started minute and the video minimum.
EXTRA_CASES = [
    ("phone_interpreted", 0, 0, "0.00", "0.00", "0.00"),
    ("phone_interpreted", 1, 1, "1.80", "0.36", "1.44"),
    ("phone_interpreted", 59, 1, "1.80", "0.36", "1.44"),
    ("phone_interpreted", 60, 1, "1.80", "0.36", "1.44"),
    ("phone_interpreted", 61, 2, "3.60", "0.72", "2.88"),
    ("phone_direct", 1, 1, "1.00", "0.20", "0.80"),
    ("phone_direct", 4 * 3600, 240, "240.00", "48.00", "192.00"),
    ("video", 0, 30, "75.00", "45.00", "30.00"),
    ("video", 30 * 60, 30, "75.00", "45.00", "30.00"),
    ("video", 30 * 60 + 1, 31, "77.50", "46.50", "31.00"),
    ("video", 31 * 60, 31, "77.50", "46.50", "31.00"),
]
CASES = SPEC_TABLE + EXTRA_CASES


@pytest.mark.parametrize("kind,seconds,minutes,client,agent,house", CASES)
def test_price_call_reproduces_the_figures(kind, seconds, minutes, client, agent, house):
    price = price_call(kind=kind, seconds=seconds)
    assert price.billed_minutes == minutes
    assert (price.client_charge, price.agent_commission, price.house_revenue) == (
        D(client),
        D(agent),
        D(house),
    )
    assert price.client_charge == price.agent_commission + price.house_revenue
    for amount in (price.client_charge, price.agent_commission, price.house_revenue):
        assert amount.as_tuple().exponent == -2  # two places, always


@pytest.mark.parametrize("kind,seconds,minutes,client,agent,house", CASES)
def test_price_call_command_prints_the_same_figures(kind, seconds, minutes, client, agent, house):
    out = io.StringIO()
    call_command("price_call", "--kind", kind, "--seconds", str(seconds), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "kind": kind,
        "seconds": seconds,
        "billed_minutes": minutes,
        "client_charge": client,
        "agent_commission": agent,
        "house_revenue": house,
    }


BAD_ARGUMENTS = [
    (["--kind", "fax", "--seconds", "60"], "unknown kind"),
    (["--kind", "video", "--seconds", "-1"], "whole number"),
    (["--kind", "video", "--seconds", "1.5"], "whole number"),
    (["--kind", "video", "--seconds", "ten"], "whole number"),
    (["--kind", "video", "--seconds", ""], "whole number"),
    (["--kind", "video"], "required"),
    (["--kind", "video", "--seconds", "5", "--extra"], "unrecognized"),
]


@pytest.mark.parametrize("argv,message", BAD_ARGUMENTS)
def test_bad_input_through_call_command_is_a_command_error_with_status_2(argv, message):
    with pytest.raises(CommandError) as info:
        call_command("price_call", *argv, stdout=io.StringIO())
    assert info.value.returncode == 2
    assert message in str(info.value)


@pytest.mark.parametrize("argv,message", BAD_ARGUMENTS)
def test_bad_input_on_the_command_line_is_one_line_and_exit_2(argv, message):
    out, err = io.StringIO(), io.StringIO()
    command = PriceCallCommand(stdout=out, stderr=err)
    with pytest.raises(SystemExit) as info:
        command.run_from_argv(["manage.py", "price_call", *argv])
    assert info.value.code == 2
    assert out.getvalue() == ""
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert message in lines[0]
    assert "Traceback" not in err.getvalue() and "usage:" not in err.getvalue()


def test_command_line_success_exits_normally_with_one_json_line():
    out = io.StringIO()
    PriceCallCommand(stdout=out, stderr=io.StringIO()).run_from_argv(
        ["manage.py", "price_call", "--kind", "video", "--seconds", "2700"]
    )
    assert json.loads(out.getvalue())["client_charge"] == "112.50"


@pytest.mark.parametrize("seconds", [-1, 1.5, "60", None, True])
def test_price_call_refuses_bad_seconds(seconds):
    with pytest.raises(DomainError) as info:
        price_call(kind="video", seconds=seconds)
    assert info.value.code == "bad_talk_time"


def test_price_call_refuses_an_unknown_kind():
    with pytest.raises(DomainError) as info:
        price_call(kind="fax", seconds=60)
    assert info.value.code == "bad_kind"


def test_a_tariff_that_would_need_rounding_fails_loudly():
    tariff = Tariff(kind="phone_direct", price_per_minute=D("1.83"), minimum_minutes=0)
    rule = CommissionRule(kind="phone_direct", percent=D("20"), minimum_amount=D("0"))
    with pytest.raises(PricingError) as info:
        price_call(kind="phone_direct", seconds=60, tariff=tariff, rule=rule)
    assert info.value.code == "pricing_not_exact"
    with pytest.raises(PricingError):
        check_terms(tariff=tariff, rule=rule)
    sub_cent = Tariff(kind="phone_direct", price_per_minute=D("1.005"), minimum_minutes=0)
    with pytest.raises(PricingError):
        price_call(kind="phone_direct", seconds=60, tariff=sub_cent, rule=rule)


def test_terms_whose_minimum_commission_exceeds_the_smallest_charge_are_refused():
    tariff = Tariff(kind="video", price_per_minute=D("2.50"), minimum_minutes=10)
    rule = CommissionRule(kind="video", percent=D("60"), minimum_amount=D("45.00"))
    with pytest.raises(PricingError) as info:
        check_terms(tariff=tariff, rule=rule)
    assert info.value.code == "commission_exceeds_charge"


def test_spec_terms_pass_the_check():
    for kind in ("phone_interpreted", "phone_direct", "video"):
        check_terms(
            tariff=Tariff.objects.get(kind=kind), rule=CommissionRule.objects.get(kind=kind)
        )


@pytest.mark.parametrize(
    "kind,minutes,held",
    [
        ("phone_interpreted", 30, "54.00"),
        ("phone_direct", 5, "5.00"),
        ("video", 10, "75.00"),  # the 30-minute minimum is paid in advance
        ("video", 30, "75.00"),
        ("video", 60, "150.00"),
    ],
)
def test_hold_amount_is_the_planned_cost_with_the_video_minimum(kind, minutes, held):
    assert hold_amount(kind=kind, planned_minutes=minutes) == D(held)


def test_the_tariff_in_force_is_the_latest_that_has_started():
    Tariff.objects.create(
        kind="phone_direct", price_per_minute=D("1.20"), effective_from=aware(2030, 1, 1)
    )
    assert price_call(kind="phone_direct", seconds=600).client_charge == D("10.00")
    later = price_call(kind="phone_direct", seconds=600, at=aware(2030, 1, 2))
    assert later.client_charge == D("12.00")
