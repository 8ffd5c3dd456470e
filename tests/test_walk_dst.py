"""Issue 25, item 14: a time that happens twice is not a dead end in the office.

On 2027-10-31 the clocks in Europe/Kyiv go back from 04:00 (+03:00) to 03:00
(+02:00), so 03:30 that night is 00:30 UTC and, an hour later, 01:30 UTC. The
schedule form says so in a sentence with both offsets and lets the operator
pick one of the two; the call is then scheduled at exactly that instant.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from calls.models import Session

from .factories import InterpreterFactory, OperatorFactory
from .flows import book, confirm

pytestmark = pytest.mark.django_db

TWICE = "2027-10-31T03:30"  # Europe/Kyiv, the night the clocks go back
FIRST = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 03:30 +03:00
SECOND = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 03:30 +02:00


@pytest.fixture(autouse=True)
def before_that_night():
    """The clock pinned a week before that night, so the times typed are ahead
    whenever the suite runs (the night itself passes; a run then must not fail)."""
    with time_machine.travel(datetime(2027, 10, 24, 9, 0, tzinfo=UTC), tick=False):
        yield


def _post(client, call, interpreter, **extra):
    return client.post(
        reverse("admin:calls_call_schedule", args=[call.pk]),
        {
            "starts_at": TWICE,
            "time_zone": "Europe/Kyiv",
            "interpreter": interpreter.pk,
            "minutes": 30,
            "reason": "",
            **extra,
        },
    )


def _confirmed():
    call = book()
    confirm(call)
    return call


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["happens twice", "Choose which one"]), ("ru", ["дважды", "Выберите"])],
)
def test_the_form_names_both_offsets_and_offers_the_choice(client, language, words):
    # The operator works in Kyiv too: the typed time is ambiguous in their own zone.
    client.force_login(OperatorFactory(language=language, time_zone="Europe/Kyiv"))
    call = _confirmed()
    response = _post(client, call, InterpreterFactory())
    assert response.status_code == 200
    page = response.content.decode()
    for word in words + ["+03:00", "+02:00", "00:30", "01:30"]:
        assert word in page, word
    assert 'name="which" value="first"' in page and 'name="which" value="second"' in page
    assert not Session.objects.filter(call=call).exists()


def test_an_unambiguous_time_shows_no_choice(client):
    client.force_login(OperatorFactory(language="en", time_zone="UTC"))
    response = client.post(
        reverse("admin:calls_call_schedule", args=[_confirmed().pk]),
        {
            "starts_at": "2027-10-30T03:30",
            "time_zone": "Europe/Kyiv",
            "preview": "1",
            "interpreter": InterpreterFactory().pk,
            "minutes": 30,
        },
    )
    assert 'name="which" value="first"' not in response.content.decode()


@pytest.mark.parametrize(("which", "instant"), [("first", FIRST), ("second", SECOND)])
def test_the_chosen_one_is_scheduled(client, which, instant):
    client.force_login(OperatorFactory(language="en", time_zone="Europe/Kyiv"))
    call = _confirmed()
    response = _post(client, call, InterpreterFactory(), which=which)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Session.objects.get(call=call).starts_at == instant
