"""Caches of formatted text follow the settings (common/caches.py).

`credits()` and the dates remember their text; Django's own format caches are
emptied when a setting changes, and ours must be too, or the answer depends on
which call came first.
"""

from datetime import time
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from billing.formatting import credits
from calls.models import Call, CallState
from common import dates
from common.caches import settings_cache

AMOUNT = Decimal("12345.5")


def _plain_then_separated():
    with translation.override("en"):
        plain = credits(AMOUNT)
        with override_settings(USE_THOUSAND_SEPARATOR=True):
            separated = credits(AMOUNT)
    return plain, separated


def _separated_then_plain():
    with translation.override("en"):
        with override_settings(USE_THOUSAND_SEPARATOR=True):
            separated = credits(AMOUNT)
        plain = credits(AMOUNT)
    return plain, separated


@pytest.mark.parametrize("order", [_plain_then_separated, _separated_then_plain])
def test_credits_follow_the_thousand_separator_in_either_order(order):
    plain, separated = order()
    assert plain == "12345.50 credits"
    assert separated == "12,345.50 credits"


def test_times_are_remembered_by_the_minute_when_no_second_is_shown():
    with translation.override("ru"):
        first = dates._format(time(17, 55, 1, 123), "H:i")
        again = dates._format(time(17, 55, 59, 999), "H:i")
        seconds = dates._format(time(17, 55, 59), "H:i:s")
    assert first == again == "17:55"
    assert seconds == "17:55:59"


def test_a_settings_cache_is_bounded_and_emptied_on_a_setting_change():
    calls = []

    @settings_cache(maxsize=2)
    def double(n):
        calls.append(n)
        return n * 2

    for n in (1, 2, 3, 1):
        double(n)
    assert double.cache_info().currsize == 2
    assert calls == [1, 2, 3, 1]  # 1 was pushed out by 3
    with override_settings(USE_THOUSAND_SEPARATOR=True):
        assert double.cache_info().currsize == 0
        double(1)
    assert double.cache_info().currsize == 0  # emptied again when the override ended


def test_labels_of_the_call_models_follow_the_language():
    cancelled, unknown = Call(state=CallState.CANCELLED), Call(state="no-such-state")
    with translation.override("en"):
        english = cancelled.get_state_display()
    with translation.override("ru"):
        russian = cancelled.get_state_display()
    assert english == "Cancelled"
    assert russian == "Отменён"
    assert unknown.get_state_display() == "no-such-state"
