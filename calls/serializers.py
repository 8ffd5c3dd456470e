"""Output shapes of calls shared by several API views (calls/api.py).

Each role sees its own view of a call: the client sees the member only by
the agency's reference; the agent sees the member, the numbers it gave and
the interpreter's contact (SPEC step 5); the interpreter sees the numbers to
dial. Times are ISO 8601 in the user's own time zone (the API view activates it).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Role

from .models import CallKind, CallState, SessionStatus


class TimelineEntrySerializer(serializers.Serializer):
    """One state change from the audit trail. "by" is a role, never a name."""

    from_state = serializers.ChoiceField(choices=CallState.choices)
    to_state = serializers.ChoiceField(choices=CallState.choices)
    at = serializers.DateTimeField()
    by = serializers.SerializerMethodField()
    reason = serializers.CharField()

    @extend_schema_field(serializers.ChoiceField(choices=[*Role.values, "system"]))
    def get_by(self, obj) -> str:
        if obj.actor is None:
            return "system"
        return "operator" if obj.actor.is_operator else obj.actor.role


class SessionTimesSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    starts_at = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    talk_seconds = serializers.IntegerField(allow_null=True)


class PersonContactSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField()
    phone = serializers.CharField()
    email = serializers.EmailField()

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.username


class ContactNumberSerializer(serializers.Serializer):
    role = serializers.CharField()
    number = serializers.CharField()


class ConfirmationSerializer(serializers.Serializer):
    numbers = ContactNumberSerializer(many=True, source="numbers.all")
    responsible_name = serializers.CharField()
    agent_is_responsible = serializers.BooleanField()
    dial_number = serializers.CharField()
    video_handle = serializers.CharField()
    availability = serializers.CharField()
    confirmed_at = serializers.DateTimeField()


class CallBaseSerializer(serializers.Serializer):
    """What every role sees of a call. `id` is the call's public (random) id."""

    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=CallKind.choices)
    state = serializers.ChoiceField(choices=CallState.choices)
    planned_minutes = serializers.IntegerField()
    preferred_times = serializers.CharField()
    languages = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    state_changed_at = serializers.DateTimeField()


class MemberRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    agency = serializers.CharField(source="agency.name")


class MemberSerializer(MemberRefSerializer):
    full_name = serializers.CharField()
    city = serializers.CharField()
    time_zone = serializers.CharField()
    languages = serializers.CharField()


def live_session(call):
    """The call's live session from the prefetched `sessions` (no query)."""
    return call.active_session


def confirmation_of(call):
    return getattr(call, "confirmation", None)
