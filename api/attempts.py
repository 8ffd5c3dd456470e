"""The interpreter's dial attempts and the outcome of a call that did not take place."""

from __future__ import annotations

from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.permissions import IsInterpreter
from api.base import CALL_ID, ERRORS, READ_ERRORS, visible_call
from billing.models import Outcome
from calls import selectors, services, workflow
from calls.dial_log import attempt_log
from calls.models import CallState, DialResult
from calls.services.attempts import dial_attempt_log
from common.api import ApiView

MISSED_OUTCOMES = [o for o in Outcome.values if o in workflow.OUTCOMES[CallState.MISSED]]


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    result = serializers.ChoiceField(choices=DialResult.choices)
    logged_by = serializers.CharField(source="logged_by.username")


class GivenNumberSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="E.164")
    roles = serializers.ListField(child=serializers.CharField())
    attempts = AttemptSerializer(many=True)


def _call(request, public_id):
    """The call of one of this interpreter's live sessions, or 404."""
    session = visible_call(
        selectors.sessions_visible_to(request.user).annotate(public_id=F("call__public_id")),
        public_id,
    )
    return session.call


def _log(call):
    return GivenNumberSerializer(attempt_log(call, None), many=True).data


class SessionAttemptsApi(ApiView):
    """Each given number with its attempts; POST logs one try (number, result)."""

    permission_classes = [IsInterpreter]

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=32, help_text="One of the given numbers, E.164.")
        result = serializers.ChoiceField(choices=DialResult.choices)

    @extend_schema(
        operation_id="sessions_attempts_list",
        parameters=[CALL_ID],
        responses={200: GivenNumberSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, public_id):
        return Response(_log(_call(request, public_id)))

    @extend_schema(
        operation_id="sessions_attempts_create",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={201: GivenNumberSerializer(many=True), **ERRORS},
    )
    def post(self, request, public_id):
        call = _call(request, public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dial_attempt_log(call=call, actor=request.user, **data.validated_data)
        return Response(_log(call), status=status.HTTP_201_CREATED)


class SessionOutcomeApi(ApiView):
    """The call did not take place: say why (member_unreachable needs the attempts)."""

    permission_classes = [IsInterpreter]

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=MISSED_OUTCOMES)
        reason = serializers.CharField(
            max_length=1000, required=False, default="", allow_blank=True
        )

    class OutputSerializer(serializers.Serializer):
        state = serializers.CharField()
        outcome = serializers.CharField()

    @extend_schema(
        operation_id="sessions_outcome",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = _call(request, public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_mark_missed(call=call, actor=request.user, **data.validated_data)
        call.refresh_from_db(fields=["state", "outcome"])
        return Response(self.OutputSerializer(call).data)
