"""Operators edit an interpreter's working time in the admin through the same
service as the interpreter's own page."""

import pytest
from django.urls import reverse

from scheduling.models import WorkingTime
from tests.factories import InterpreterFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def test_the_admin_saves_working_time_and_languages_through_the_service(client):
    client.force_login(OperatorFactory())
    olena = InterpreterFactory()
    response = client.post(
        reverse("admin:scheduling_workingtime_add"),
        {
            "interpreter": olena.pk,
            "languages": "English, Ukrainian",
            "hours": "mon-fri 09:30-17:00",
            "extra": "",
            "off": "2027-06-09",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    working = WorkingTime.objects.get(interpreter=olena)
    assert working.hours == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:30", "to": "17:00"}
    ]
    assert working.off == [{"from": "2027-06-09T00:00", "to": "2027-06-10T00:00"}]
    olena.refresh_from_db()
    assert olena.languages == "en, uk"
    # Editing it again changes the same row.
    client.post(
        reverse("admin:scheduling_workingtime_change", args=[working.pk]),
        {
            "interpreter": olena.pk,
            "languages": "en",
            "hours": "sat 10:00-12:00",
            "extra": "",
            "off": "",
        },
    )
    assert WorkingTime.objects.filter(interpreter=olena).count() == 1
    assert WorkingTime.objects.get(interpreter=olena).hours == [
        {"days": ["sat"], "from": "10:00", "to": "12:00"}
    ]
