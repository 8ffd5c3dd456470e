"""Only real IANA zones people live in, checked by one module at every door:
the profile (API), the admin's people, members and schedule, the models."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import validate_time_zone
from common import timezones

from .api_helpers import _fresh_throttles, api_as  # noqa: F401
from .factories import ClientFactory, InterpreterFactory, OperatorFactory
from .flows import book, confirm

NOT_PLACES = ["localtime", "Factory", "Etc/GMT+3", "Etc/UTC", "EST5EDT", "US/Eastern", "GMT0"]
PLACES = ["Europe/Kyiv", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


@pytest.mark.parametrize("zone", NOT_PLACES)
def test_technical_zones_and_aliases_are_refused(zone):
    with pytest.raises(ValidationError):
        validate_time_zone(zone)


@pytest.mark.parametrize("zone", PLACES)
def test_zones_where_people_live_are_accepted(zone):
    validate_time_zone(zone)


def test_the_choices_are_grouped_by_country_and_name_only_places():
    choices = timezones.grouped_choices()
    groups = dict(c for c in choices if isinstance(c[1], list))
    assert ("Europe/Kyiv", "Kyiv (Europe/Kyiv)") in groups["Ukraine"]
    assert "America/New_York" in dict(groups["United States"])
    single = dict(c for c in choices if isinstance(c[1], str))
    assert single["Europe/Andorra"] == "Andorra — Andorra"
    every = set(single) | {z for zones in groups.values() for z, _ in zones}
    assert every == timezones.known_zones()
    assert not [
        z for z in every if z.startswith(("Etc/", "Antarctica/")) or "/" not in z and z != "UTC"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["localtime", "Factory", "Etc/GMT-14"])
def test_the_api_refuses_them_in_the_profile(zone):
    client = ClientFactory(time_zone="Europe/Berlin")
    answer = api_as(client).patch("/api/v1/me/", {"time_zone": zone}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"]["time_zone"]
    client.refresh_from_db()
    assert client.time_zone == "Europe/Berlin"
    assert api_as(client).patch("/api/v1/me/", {"time_zone": "Asia/Tokyo"}).status_code == 200


@pytest.fixture
def operator_browser():
    browser = Client()
    browser.force_login(OperatorFactory(is_superuser=True, is_staff=True))
    return browser


@pytest.mark.django_db
def test_the_admin_picks_a_persons_zone_from_the_grouped_list(operator_browser):
    person = ClientFactory()
    page = operator_browser.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert '<optgroup label="Ukraine">' in page
    assert '<option value="Factory"' not in page


@pytest.mark.django_db
def test_the_admin_schedule_refuses_a_zone_that_is_no_place(operator_browser):
    call = book()
    confirm(call)
    answer = operator_browser.post(
        f"/admin/calls/call/{call.pk}/schedule/",
        {
            "starts_at": "2030-01-10T10:00",
            "time_zone": "Factory",
            "interpreter": InterpreterFactory().pk,
            "minutes": 30,
        },
    )
    assert answer.status_code == 200
    assert "time_zone" in answer.context["form"].errors
    assert not call.sessions.exists()
