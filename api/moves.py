"""Moving a scheduled call over the API: the client moves it (or asks the
office), the agency asks the office; one service (calls.services.moves)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Role
from accounts.permissions import HasRole
from api.base import CALL_ID, ERRORS, visible_call
from calls import selectors
from calls.services.moves import call_move_request
from common.api import ApiView
from scheduling.api_fields import WindowsField


class ClientOrAgent(HasRole):
    roles = (Role.CLIENT, Role.AGENT)


class MoveResultSerializer(serializers.Serializer):
    moved = serializers.BooleanField(help_text="The session moved at once.")
    asked_office = serializers.BooleanField(
        help_text="The request went to the office, which will move the call and tell you."
    )
    starts_at = serializers.DateTimeField(
        source="session.starts_at", help_text="The session's start now."
    )


class CallMoveApi(ApiView):
    """Ask for another time for a scheduled call.

    A client with `starts_at` (one of `GET /api/v1/calls/<id>/slots/`'s
    times, more than the late-cancel hours before the session) moves it at
    once: no fee, the same interpreter when free. Otherwise (inside those
    hours, without `starts_at`, or asked by the agency) the office gets the
    request with the `reason`, which is then required if no time and no
    `member_windows` are given. The agency may give the member's new
    `member_windows` (as when confirming, in the member's zone): they replace
    the member's times, and the office's and the client's searches keep to them.
    Each call is moved at most `CALL_MOVES_MAX` times (default 2). A time
    taken meanwhile is a 409.
    """

    permission_classes = [ClientOrAgent]

    class InputSerializer(serializers.Serializer):
        starts_at = serializers.DateTimeField(
            required=False, allow_null=True, help_text="The new start, one of the proposals."
        )
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=1000, help_text="Why (for the office)."
        )
        member_windows = WindowsField(
            help_text="The agency only: when the member can talk instead (the member's zone)."
        )

    @extend_schema(
        operation_id="calls_move",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: MoveResultSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = call_move_request(
            call=call,
            actor=request.user,
            starts_at=data.validated_data.get("starts_at"),
            reason=data.validated_data.get("reason", ""),
            member_windows=data.validated_data.get("member_windows") or None,
        )
        return Response(MoveResultSerializer(result).data)
