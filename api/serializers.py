"""Output shapes of calls for the API (api/).

Each role sees its own view of a call: the client sees the member only by
the agency's reference; the agent sees the member, the numbers it gave and
the interpreter's contact (SPEC step 5); the interpreter sees the numbers to
dial. Times are ISO 8601 in the user's own time zone (the API view activates it).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Role
from calls.models import CallKind, CallState, SessionStatus
from common.serializers import OutputSerializer
from privacy.masking import mask, may_see_numbers
from scheduling.api_fields import WindowsField


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


class SessionTimesSerializer(OutputSerializer):
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
    member_windows = WindowsField(read_only=True)
    member_time_zone = serializers.CharField()
    confirmed_at = serializers.DateTimeField()


class CallBaseSerializer(OutputSerializer):
    """What every role sees of a call. `id` is the call's public (random) id;
    `number` the short one people read (`C-10427`)."""

    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField(read_only=True, help_text="The call's number, e.g. C-10427.")
    kind = serializers.ChoiceField(choices=CallKind.choices)
    state = serializers.ChoiceField(choices=CallState.choices)
    planned_minutes = serializers.IntegerField()
    preferred_times = serializers.CharField()
    windows = WindowsField(source="client_windows", read_only=True)
    windows_time_zone = serializers.CharField(source="client_time_zone")
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


# --- each role's view of a call -------------------------------------------------


class ChargeSerializer(serializers.Serializer):
    billed_minutes = serializers.IntegerField()
    client_charge = serializers.DecimalField(max_digits=13, decimal_places=2)


class ClientMemberSerializer(OutputSerializer):
    """The member as the client knows her (selectors.client_call_page)."""

    reference = serializers.CharField(source="member_reference")
    agency = serializers.CharField(source="agency_name")


class ClientCallSerializer(CallBaseSerializer):
    """A client's call, read from `selectors.client_calls` and completed by
    `selectors.client_call_page`. Nested fields are declared, not built
    per row: lists stay cheap."""

    member = ClientMemberSerializer(source="*")
    session = SessionTimesSerializer(source="live_session", allow_null=True, read_only=True)
    held = serializers.DecimalField(
        max_digits=13,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="Credit held for this call while open.",
    )
    charge = serializers.SerializerMethodField(help_text="What the completed call cost.")

    @extend_schema_field(ChargeSerializer(allow_null=True))
    def get_charge(self, call):
        if call.charge is None:
            return None
        return {"billed_minutes": call.billed_minutes, "client_charge": f"{call.charge:.2f}"}


class ClientCallDetailSerializer(ClientCallSerializer):
    decline_reason = serializers.CharField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, call):
        # Read by the view (selectors.call_timeline): serializers run no queries.
        return TimelineEntrySerializer(self.context["timeline"], many=True).data


class AgentSessionSerializer(SessionTimesSerializer):
    interpreter = PersonContactSerializer()


class AgentRequestSerializer(CallBaseSerializer):
    member = MemberSerializer()
    session = serializers.SerializerMethodField()

    @extend_schema_field(AgentSessionSerializer(allow_null=True))
    def get_session(self, call):
        session = live_session(call)
        return AgentSessionSerializer(session).data if session else None


class AgentRequestDetailSerializer(AgentRequestSerializer):
    decline_reason = serializers.CharField()
    confirmation = serializers.SerializerMethodField()
    duty_manager = serializers.SerializerMethodField()

    @extend_schema_field(ConfirmationSerializer(allow_null=True))
    def get_confirmation(self, call):
        confirmation = confirmation_of(call)
        return ConfirmationSerializer(confirmation).data if confirmation else None

    @extend_schema_field(PersonContactSerializer(allow_null=True))
    def get_duty_manager(self, call):
        # Read by the view (selectors.duty_manager_current): serializers run no queries.
        manager = self.context["duty_manager"]
        return PersonContactSerializer(manager).data if manager else None


class InterpreterSessionSerializer(SessionTimesSerializer):
    """An interpreter's session. `id` is the call's public id."""

    id = serializers.UUIDField(source="call.public_id")
    kind = serializers.ChoiceField(choices=CallKind.choices, source="call.kind")
    call_state = serializers.ChoiceField(choices=CallState.choices, source="call.state")
    languages = serializers.CharField(source="call.languages")
    member = MemberSerializer(source="call.member")
    contacts = serializers.SerializerMethodField()
    client_phone = serializers.SerializerMethodField(
        help_text="The client's number in E.164, for phone calls (the interpreter phones "
        "the client to connect the sides); null for video calls or when there is none."
    )
    has_recording = serializers.SerializerMethodField()

    def get_client_phone(self, session) -> str | None:
        phone = session.call.client.phone
        if session.call.is_video or not phone:
            return None
        return phone.as_e164

    @extend_schema_field(ConfirmationSerializer(allow_null=True))
    def get_contacts(self, session):
        confirmation = confirmation_of(session.call)
        if not confirmation:
            return None
        data = ConfirmationSerializer(confirmation).data
        request = self.context.get("request")
        # SPEC "Privacy": the interpreter reads the numbers in full on the session's day;
        # without a request to tell who reads, they are masked (fail closed).
        if request is None or not may_see_numbers(request.user, session.call):
            data["dial_number"] = mask(confirmation.dial_number)
            for number in data["numbers"]:
                number["number"] = mask(number["number"])
        return data

    def get_has_recording(self, session) -> bool:
        recording = getattr(session, "recording", None)
        return recording is not None and recording.shredded_at is None
