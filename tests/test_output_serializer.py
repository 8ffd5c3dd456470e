"""common.serializers.OutputSerializer gives DRF's own output, field by field."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.serializers import ClientCallSerializer
from benchmarks.management.commands.bench_data import client_calls_rebuild
from billing.defaults import ensure_spec_terms
from calls import selectors
from common.serializers import OutputSerializer

from .factories import ClientFactory

KYIV = ZoneInfo("Europe/Kyiv")


def _as_drf_gives_it(monkeypatch, make):
    """What `make()` gives when OutputSerializer reads the way DRF's Serializer does."""
    with monkeypatch.context() as patched:
        patched.setattr(
            OutputSerializer, "to_representation", serializers.Serializer.to_representation
        )
        return make()


class Owner(OutputSerializer):
    name = serializers.CharField()


class Times(OutputSerializer):
    starts_at = serializers.DateTimeField()
    talk_seconds = serializers.IntegerField(allow_null=True)


class Shape(OutputSerializer):
    name = serializers.CharField()
    id = serializers.UUIDField(source="public_id")
    at = serializers.DateTimeField()  # aware, in the reader's zone
    at_utc = serializers.DateTimeField(source="at", default_timezone=UTC)
    at_day = serializers.DateTimeField(source="at", format="%Y-%m-%d")
    naive = serializers.DateTimeField()  # made aware in the current zone, as DRF does
    nothing = serializers.DateTimeField(allow_null=True)
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    kind = serializers.ChoiceField(choices=[("video", "Video"), ("phone", "Phone")])
    optional = serializers.CharField(required=False)  # missing: left out
    defaulted = serializers.CharField(default="fallback")  # missing: the default
    label = serializers.CharField(source="get_label")  # a method: called
    owner_name = serializers.CharField(source="owner.name")  # dotted
    owner = Owner()
    whole = Owner(source="*")
    times = Times(allow_null=True)  # a dict
    no_times = Times(source="missing_times", allow_null=True)
    shout = serializers.SerializerMethodField()

    def get_shout(self, obj) -> str:
        return obj.name.upper()


def _thing(**changes):
    fields = dict(
        name="Anna",
        public_id="0b9d6c1e-8f3a-4a8e-9a62-3a3f7a1f0c11",
        at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # Kyiv moves its clocks that night
        naive=datetime(2026, 11, 25, 9, 0),
        nothing=None,
        amount=Decimal("12.5"),
        kind="video",
        get_label=lambda: "Video call",
        owner=SimpleNamespace(name="Agency One"),
        times={"starts_at": datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "talk_seconds": None},
        missing_times=None,
    )
    fields.update(changes)
    return SimpleNamespace(**fields)


@pytest.mark.parametrize("zone", ["Europe/Kyiv", "UTC", "America/New_York"])
def test_every_kind_of_field_reads_as_drf_reads_it(monkeypatch, zone):
    things = [
        _thing(),
        _thing(amount=Decimal("0"), kind="phone", at=datetime(2026, 7, 1, tzinfo=KYIV)),
    ]
    with timezone.override(zone):
        expected = _as_drf_gives_it(monkeypatch, lambda: Shape(things, many=True).data)
        got = Shape(things, many=True).data
    assert got == expected
    assert "optional" not in got[0] and got[0]["defaulted"] == "fallback"
    assert got[0]["label"] == "Video call" and got[0]["owner_name"] == "Agency One"


def test_a_missing_required_attribute_fails_as_drf_fails(monkeypatch):
    broken = _thing()
    del broken.name
    with pytest.raises(AttributeError) as drf_error:
        _as_drf_gives_it(monkeypatch, lambda: Shape(broken).data)
    with pytest.raises(AttributeError) as our_error:
        Shape(broken).data  # noqa: B018
    assert str(our_error.value) == str(drf_error.value)


@pytest.mark.django_db
def test_a_page_of_client_calls_reads_as_drf_reads_it(monkeypatch):
    ensure_spec_terms()
    client = ClientFactory()
    client_calls_rebuild(client, 30)  # open and done calls, sessions, holds and charges

    def page():
        calls = selectors.client_call_page(selectors.client_calls(client))
        return ClientCallSerializer(calls, many=True).data

    with timezone.override("Europe/Kyiv"):
        expected = _as_drf_gives_it(monkeypatch, page)
        got = page()
    assert got == expected
    assert any(row["session"] for row in got) and any(row["charge"] for row in got)
