"""Finding the time over the API: the operator's search, the client's proposals and pick."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.permissions import IsClient, IsOperator
from api.base import CALL_ID, ERRORS, READ_ERRORS, visible_call
from api.client import _client_call_response
from api.serializers import ClientCallDetailSerializer
from calls import selectors
from calls.services.slots import SEARCHABLE_STATES, CallSlots, call_slot_book, call_slot_search
from common.api import ApiView
from common.errors import Conflict
from common.time_fields import InstantField


class InterpreterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    time_zone = serializers.CharField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class ProposalSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    interpreter = InterpreterRefSerializer()


class SlotsSerializer(serializers.Serializer):
    slots = ProposalSerializer(many=True, source="proposals")
    reason = serializers.ChoiceField(
        choices=["no_interpreter_for_languages", "no_common_time", "interpreters_busy"],
        allow_null=True,
    )
    message = serializers.CharField(allow_null=True)


class ClientProposalSerializer(serializers.Serializer):
    """A client sees when, not who (the interpreter is named once scheduled)."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ClientSlotsSerializer(serializers.Serializer):
    slots = ClientProposalSerializer(many=True, source="proposals")
    reason = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)


def _searchable(call):
    if call.state not in SEARCHABLE_STATES:
        raise Conflict("not_schedulable", _("Times are found for confirmed and scheduled calls."))


class OfficeCallSlotsApi(ApiView):
    """The earliest times that suit the client, the member and an interpreter.

    Schedule one with `POST /api/v1/office/calls/<id>/schedule/`.
    """

    permission_classes = [IsOperator]

    class QuerySerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, max_value=60, required=False)
        limit = serializers.IntegerField(min_value=1, max_value=50, required=False)

    @extend_schema(
        operation_id="office_calls_slots",
        parameters=[
            CALL_ID,
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 60},
                description="How far ahead, in days (default 14).",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 50},
                description="How many (default 5).",
            ),
        ],
        responses={200: SlotsSerializer, **READ_ERRORS, 400: ERRORS[400], 409: ERRORS[409]},
    )
    def get(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        _searchable(call)
        found: CallSlots = call_slot_search(
            call, days=query.validated_data.get("days"), limit=query.validated_data.get("limit")
        )
        return Response(SlotsSerializer(found).data)


class CallSlotsApi(ApiView):
    """The times the client may pick once the agent confirmed (empty with a reason otherwise)."""

    permission_classes = [IsClient]

    @extend_schema(
        operation_id="calls_slots",
        parameters=[CALL_ID],
        responses={200: ClientSlotsSerializer, **READ_ERRORS, 409: ERRORS[409]},
    )
    def get(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        if call.state != "confirmed":
            raise Conflict("not_schedulable", _("This call can't be scheduled now."))
        return Response(ClientSlotsSerializer(call_slot_search(call)).data)


class CallSlotPickApi(ApiView):
    """The client picks one of the proposed times; the call is scheduled at once."""

    permission_classes = [IsClient]

    class InputSerializer(serializers.Serializer):
        starts_at = InstantField(
            whole_minute=True, help_text="One of the proposals' `starts_at` (RFC 3339)."
        )

    @extend_schema(
        operation_id="calls_slots_pick",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: ClientCallDetailSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_slot_book(
            call=call,
            starts_at=data.validated_data["starts_at"],
            interpreter_id=None,
            actor=request.user,
        )
        return _client_call_response(request, call)
