"""The agent's requests: list, read one, confirm with the contact numbers, decline."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.permissions import IsAgent
from agents.contact_rules import (
    MAX_NUMBERS,
    MAX_VIDEO_HANDLE,
    NumberInput,
    NumberRole,
)
from api.base import CALL_ID, ERRORS, READ_ERRORS, visible_call
from api.serializers import (
    AgentRequestDetailSerializer,
    AgentRequestSerializer,
)
from calls import selectors, services
from calls.models import CallState
from common.api import (
    PAGE_PARAMETERS,
    ApiView,
    ErrorSerializer,
    paginated,
    paginated_response,
)
from scheduling.api_fields import WindowsField


def _request_response(request, call, *, reload=True):
    """The agent's view of one request; after a write, read it again as the agent sees it."""
    if reload:
        call = selectors.agent_calls(request.user).get(pk=call.pk)
    context = {"duty_manager": selectors.duty_manager_current()}
    return Response(AgentRequestDetailSerializer(call, context=context).data)


class AgentRequestListApi(ApiView):
    """Requests for members the agent's agency placed."""

    permission_classes = [IsAgent]

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=CallState.choices, required=False)

    @extend_schema(
        operation_id="agent_requests_list",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=CallState.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(AgentRequestSerializer), **READ_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        calls = selectors.agent_calls(request.user)
        if filters.validated_data.get("state"):
            calls = calls.filter(state=filters.validated_data["state"])
        return paginated_response(
            serializer_class=AgentRequestSerializer, queryset=calls, request=request, view=self
        )


class AgentRequestDetailApi(ApiView):
    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="agent_requests_retrieve",
        parameters=[CALL_ID],
        responses={200: AgentRequestDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, public_id):
        call = visible_call(selectors.agent_calls(request.user), public_id)
        return _request_response(request, call, reload=False)


class AgentRequestConfirmApi(ApiView):
    """SPEC step 3, yes: the member agrees; the agent gives the contact numbers."""

    permission_classes = [IsAgent]

    class InputSerializer(serializers.Serializer):
        class NumberSerializer(serializers.Serializer):
            role = serializers.ChoiceField(choices=NumberRole.choices)
            number = serializers.CharField(max_length=40)

        numbers = NumberSerializer(many=True, max_length=MAX_NUMBERS)
        responsible_name = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )
        agent_is_responsible = serializers.BooleanField(required=False, default=False)
        dial = serializers.CharField(
            max_length=40,
            required=False,
            default="",
            allow_blank=True,
            help_text="The number the interpreter dials: one of `numbers` (phone calls).",
        )
        video_handle = serializers.CharField(
            max_length=MAX_VIDEO_HANDLE,
            required=False,
            default="",
            allow_blank=True,
            help_text="The member's video-call handle (video calls).",
        )
        member_windows = WindowsField(
            help_text="When the member can talk, in the member's time zone.",
        )
        availability = serializers.CharField(
            max_length=1000, required=False, default="", allow_blank=True
        )

    @extend_schema(
        operation_id="agent_requests_confirm",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: AgentRequestDetailSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.agent_calls(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.call_confirm(
            call=call,
            actor=request.user,
            numbers=[NumberInput(role=n["role"], raw=n["number"]) for n in v["numbers"]],
            responsible_name=v["responsible_name"],
            agent_is_responsible=v["agent_is_responsible"],
            dial=v["dial"],
            video_handle=v["video_handle"],
            availability=v["availability"],
            member_windows=v["member_windows"],
        )
        return _request_response(request, call)


class AgentRequestDeclineApi(ApiView):
    """SPEC step 3, no: the member declines; the request closes."""

    permission_classes = [IsAgent]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="agent_requests_decline",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: AgentRequestDetailSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.agent_calls(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_decline(call=call, actor=request.user, reason=data.validated_data["reason"])
        return _request_response(request, call)
