"""The schedule form's time field reads what the operator typed as a wall time,
naive (the form decides the zone), and refuses anything else with its sentence."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from common.time_fields import WallClockField


@pytest.mark.parametrize(
    "typed,wall",
    [
        ("2027-10-31 03:30", datetime(2027, 10, 31, 3, 30)),
        ("2027-10-31T03:30:00", datetime(2027, 10, 31, 3, 30)),
        # Not ISO: one of Django's input formats for the language.
        ("10/31/2027 03:30", datetime(2027, 10, 31, 3, 30)),
    ],
)
def test_a_typed_time_is_read_as_a_naive_wall_time(typed, wall):
    with translation.override("en"):
        assert WallClockField().clean(typed) == wall


@pytest.mark.parametrize("typed", ["100000000000000000000", "2027-13-01 10:00", "soon"])
def test_anything_else_is_the_fields_sentence_not_an_error(typed):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        WallClockField().clean(typed)
    assert refused.value.code == "invalid"
