"""The client's calls: list, book, read one, cancel."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.permissions import IsClient
from agents.selectors import member_by_reference
from api.base import CALL_ID, ERRORS, READ_ERRORS, client_call_or_404, visible_call
from api.filters import CallFilter
from api.serializers import (
    ClientCallDetailSerializer,
    ClientCallSerializer,
)
from calls import selectors, services
from calls.models import CallKind, CallState
from common.api import (
    PAGE_PARAMETERS,
    ApiView,
    ErrorSerializer,
    paginated,
    paginated_response,
)
from scheduling.api_fields import RequiredWindowsField


class CallListApi(ApiView):
    """The client's calls: list (filtered, paginated) and book a new one."""

    permission_classes = [IsClient]

    class InputSerializer(serializers.Serializer):
        member = serializers.CharField(
            max_length=40, help_text="The member's reference, as her agency gives it."
        )
        agency = serializers.CharField(
            max_length=200,
            required=False,
            default="",
            allow_blank=True,
            help_text="The agency's name; needed only if two agencies use the same reference.",
        )
        kind = serializers.ChoiceField(choices=CallKind.choices)
        planned_minutes = serializers.IntegerField(
            min_value=services.MIN_PLANNED_MINUTES, max_value=services.MAX_PLANNED_MINUTES
        )
        windows = RequiredWindowsField(
            help_text="When the client can talk, in the client's time zone (at least one window).",
        )
        preferred_times = serializers.CharField(
            max_length=1000,
            required=False,
            default="",
            allow_blank=True,
            help_text="Free text beside `windows` (kept for old clients; not a window).",
        )
        languages = serializers.CharField(
            max_length=100,
            required=False,
            default="",
            allow_blank=True,
            help_text="ISO 639-1 codes, e.g. `en, ru`; empty: the client's and the member's.",
        )
        note = serializers.CharField(
            max_length=services.MAX_NOTE, required=False, default="", allow_blank=True
        )

    @extend_schema(
        operation_id="calls_list",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, many=True, enum=CallState.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=CallKind.values),
            OpenApiParameter(
                "created_after",
                OpenApiTypes.DATE,
                description="Booked on or after (your time zone).",
            ),
            OpenApiParameter(
                "created_before", OpenApiTypes.DATE, description="Booked on or before."
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: paginated(ClientCallSerializer), **READ_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request):
        filterset = CallFilter(request.query_params, queryset=selectors.client_calls(request.user))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return paginated_response(
            serializer_class=ClientCallSerializer,
            queryset=filterset.qs,
            request=request,
            view=self,
            read_page=selectors.client_call_page,
        )

    @extend_schema(
        operation_id="calls_create",
        request=InputSerializer,
        responses={201: ClientCallDetailSerializer, **ERRORS},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        call = services.call_request_create(
            client=request.user,
            member=member_by_reference(reference=v["member"], agency_name=v["agency"]),
            kind=v["kind"],
            planned_minutes=v["planned_minutes"],
            preferred_times=v["preferred_times"],
            client_windows=v["windows"],
            languages=v["languages"],
            note=v["note"],
            created_by=request.user,
        )
        return _client_call_response(request, call, code=status.HTTP_201_CREATED)


def _client_call_response(request, call, *, reload=True, code=200):
    """The client's view of one call; after a write, read again as she sees it
    (IsClient: the calls she may see are her own)."""
    if reload:
        call = selectors.client_call(request.user, call.public_id)
    context = {"timeline": selectors.call_timeline(call)}
    return Response(ClientCallDetailSerializer(call, context=context).data, status=code)


class CallDetailApi(ApiView):
    """One of the client's calls, with its timeline (the audit trail)."""

    permission_classes = [IsClient]

    @extend_schema(
        operation_id="calls_retrieve",
        parameters=[CALL_ID],
        responses={200: ClientCallDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, public_id):
        return _client_call_response(
            request, client_call_or_404(request.user, public_id), reload=False
        )


class CallCancelApi(ApiView):
    permission_classes = [IsClient]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=1000, required=False, default="", allow_blank=True
        )

    @extend_schema(
        operation_id="calls_cancel",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: ClientCallDetailSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        call = visible_call(selectors.calls_visible_to(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_cancel(call=call, actor=request.user, reason=data.validated_data["reason"])
        return _client_call_response(request, call)
