"""The operator's calls API: scheduling (and rescheduling) a call."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Role, User
from accounts.permissions import IsOperator
from api.base import CALL_ID, ERRORS, visible_call
from api.serializers import SessionTimesSerializer
from calls import selectors, services
from calls.models import CallState
from common.api import ApiView
from common.drf import JSONParser
from common.time_fields import InstantField


class OfficeCallScheduleApi(ApiView):
    """SPEC step 4 for programs: an operator schedules (or reschedules) a call.

    A time without an offset is read in the operator's own time zone.
    """

    permission_classes = [IsOperator]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        starts_at = InstantField(
            whole_minute=True,
            help_text="RFC 3339, on a whole minute. With an offset, that instant; without "
            "one, your own time zone's wall clock (a time that does not exist there, or "
            "exists twice, is refused).",
        )
        interpreter = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.filter(role=Role.INTERPRETER, is_active=True),
            help_text="The interpreter's user id.",
        )
        minutes = serializers.IntegerField(
            min_value=services.MIN_PLANNED_MINUTES,
            max_value=services.MAX_PLANNED_MINUTES,
            required=False,
            allow_null=True,
            default=None,
        )
        reason = serializers.CharField(
            max_length=1000, required=False, default="", allow_blank=True
        )

    class OutputSerializer(SessionTimesSerializer):
        id = serializers.UUIDField(source="call.public_id")
        call_state = serializers.ChoiceField(choices=CallState.choices, source="call.state")
        interpreter = serializers.IntegerField(source="interpreter_id")

    @extend_schema(
        operation_id="office_calls_schedule",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        session = services.session_schedule(
            call=call,
            starts_at=v["starts_at"],
            interpreter=v["interpreter"],
            actor=request.user,
            minutes=v["minutes"],
            reason=v["reason"],
        )
        return Response(self.OutputSerializer(session).data)
