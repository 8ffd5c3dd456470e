"""The calls API: the client's calls, the agent's requests, the interpreter's
sessions and the operator's scheduling. One view per action; each validates
its input with a nested serializer, then calls a service or a selector.

Objects are looked up only among what the user may see
(`calls_visible_to`, `sessions_visible_to`): a foreign call is a 404.
Calls and sessions are addressed by the call's public (random) id, never by
a database key; a session is "the call's live session".
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Role, User
from agents.contact_rules import (
    MAX_NUMBERS,
    MAX_VIDEO_HANDLE,
    NumberInput,
    NumberRole,
    check_contacts,
)
from agents.models import Member
from billing import selectors as billing_selectors
from common.api import (
    PAGE_PARAMETERS,
    ApiView,
    ErrorSerializer,
    paginated,
    paginated_response,
    parse_public_id,
)
from common.permissions import IsAgent, IsClient, IsInterpreter, IsOperator
from common.time_fields import InstantField

from . import selectors, services
from .filters import CallFilter
from .models import CallKind, CallState, Session
from .serializers import (
    AgentRequestDetailSerializer,
    AgentRequestSerializer,
    ClientCallDetailSerializer,
    ClientCallSerializer,
    InterpreterSessionSerializer,
    SessionTimesSerializer,
)

CALL_ID = OpenApiParameter(
    "public_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The call's public id."
)
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}
READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}


def _visible_call(queryset, public_id: str):
    """The call with this public id among `queryset`, or 404 (also for a malformed id)."""
    call = queryset.filter(public_id=parse_public_id(public_id)).first()
    if call is None:
        raise exceptions.NotFound(_("Not found."))
    return call


def _visible_session(user: User, public_id: str) -> Session:
    """The live session of the call with this public id, if it is the user's; or 404."""
    session = _interpreter_sessions(user).filter(call__public_id=parse_public_id(public_id)).first()
    if session is None:
        raise exceptions.NotFound(_("Not found."))
    return session


# --- client ---------------------------------------------------------------------


def _money_context(calls) -> dict:
    """What the calls hold and cost, looked up once for all of them."""
    ids = [call.pk for call in calls]
    return {
        "holds": billing_selectors.call_holds(ids),
        "charges": billing_selectors.call_charges(ids),
    }


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
        preferred_times = serializers.CharField(
            max_length=1000, required=False, default="", allow_blank=True
        )
        languages = serializers.CharField(
            max_length=100, required=False, default="", allow_blank=True
        )
        note = serializers.CharField(
            max_length=services.MAX_NOTE, required=False, default="", allow_blank=True
        )

        def validate(self, data):
            members = Member.objects.filter(reference=data["member"].strip(), is_active=True)
            if data["agency"].strip():
                members = members.filter(agency__name=data["agency"].strip())
            found = list(members.select_related("agency")[:2])
            if not found:
                raise serializers.ValidationError({"member": _("No member has this reference.")})
            if len(found) > 1:
                raise serializers.ValidationError(
                    {"agency": _("Several agencies use this reference: give the agency's name.")}
                )
            data["member"] = found[0]
            return data

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
        filterset = CallFilter(
            request.query_params, queryset=selectors.calls_visible_to(request.user)
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return paginated_response(
            serializer_class=ClientCallSerializer,
            queryset=filterset.qs,
            request=request,
            view=self,
            context_for_page=_money_context,
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
            member=v["member"],
            kind=v["kind"],
            planned_minutes=v["planned_minutes"],
            preferred_times=v["preferred_times"],
            languages=v["languages"],
            note=v["note"],
            created_by=request.user,
        )
        return _client_call_response(request, call, code=status.HTTP_201_CREATED)


def _client_call_response(request, call, *, reload=True, code=200):
    """The client's view of one call; after a write, read it again as the client sees it."""
    if reload:
        call = selectors.calls_visible_to(request.user).get(pk=call.pk)
    return Response(
        ClientCallDetailSerializer(call, context=_money_context([call])).data, status=code
    )


class CallDetailApi(ApiView):
    """One of the client's calls, with its timeline (the audit trail)."""

    permission_classes = [IsClient]

    @extend_schema(
        operation_id="calls_retrieve",
        parameters=[CALL_ID],
        responses={200: ClientCallDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, public_id):
        call = _visible_call(selectors.calls_visible_to(request.user), public_id)
        return _client_call_response(request, call, reload=False)


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
        call = _visible_call(selectors.calls_visible_to(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_cancel(call=call, actor=request.user, reason=data.validated_data["reason"])
        return _client_call_response(request, call)


# --- agent ----------------------------------------------------------------------


def _agent_calls(user):
    return selectors.calls_visible_to(user).select_related("confirmation")


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
        calls = _agent_calls(request.user)
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
        call = _visible_call(_agent_calls(request.user), public_id)
        return Response(AgentRequestDetailSerializer(call).data)


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
        call = _visible_call(_agent_calls(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        contacts = check_contacts(
            numbers=[NumberInput(role=n["role"], raw=n["number"]) for n in v["numbers"]],
            responsible_name=v["responsible_name"],
            agent_is_responsible=v["agent_is_responsible"],
            dial=v["dial"],
            video_handle=v["video_handle"],
            is_video=call.is_video,
            region=call.member.agency.country,
        )
        services.call_confirm(
            call=call, actor=request.user, contacts=contacts, availability=v["availability"]
        )
        call = _agent_calls(request.user).get(pk=call.pk)
        return Response(AgentRequestDetailSerializer(call).data)


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
        call = _visible_call(_agent_calls(request.user), public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_decline(call=call, actor=request.user, reason=data.validated_data["reason"])
        call = _agent_calls(request.user).get(pk=call.pk)
        return Response(AgentRequestDetailSerializer(call).data)


# --- interpreter ----------------------------------------------------------------


def _interpreter_sessions(user):
    return (
        selectors.sessions_visible_to(user)
        .select_related("call__confirmation", "recording")
        .prefetch_related(Prefetch("call__confirmation__numbers"))
        .order_by("starts_at")
    )


class SessionListApi(ApiView):
    """The interpreter's sessions, soonest first."""

    permission_classes = [IsInterpreter]

    @extend_schema(
        operation_id="sessions_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(InterpreterSessionSerializer), **READ_ERRORS},
    )
    def get(self, request):
        return paginated_response(
            serializer_class=InterpreterSessionSerializer,
            queryset=_interpreter_sessions(request.user),
            request=request,
            view=self,
        )


class SessionDetailApi(ApiView):
    permission_classes = [IsInterpreter]

    @extend_schema(
        operation_id="sessions_retrieve",
        parameters=[CALL_ID],
        responses={200: InterpreterSessionSerializer, **READ_ERRORS},
    )
    def get(self, request, public_id):
        return Response(
            InterpreterSessionSerializer(_visible_session(request.user, public_id)).data
        )


class SessionStartApi(ApiView):
    permission_classes = [IsInterpreter]

    @extend_schema(
        operation_id="sessions_start",
        parameters=[CALL_ID],
        request=None,
        responses={200: InterpreterSessionSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        session = _visible_session(request.user, public_id)
        services.session_start(session=session, actor=request.user)
        return Response(
            InterpreterSessionSerializer(_visible_session(request.user, public_id)).data
        )


class SessionEndApi(ApiView):
    """End the conversation; the call completes (SPEC steps 6 and 7)."""

    permission_classes = [IsInterpreter]

    class InputSerializer(serializers.Serializer):
        talk_seconds = serializers.IntegerField(
            min_value=0,
            max_value=24 * 3600,
            required=False,
            allow_null=True,
            default=None,
            help_text="Talk time as the conference line reports it; measured if left out.",
        )
        no_recording_reason = serializers.CharField(
            max_length=2000,
            required=False,
            default="",
            allow_blank=True,
            help_text="Required when no recording is attached.",
        )

    @extend_schema(
        operation_id="sessions_end",
        parameters=[CALL_ID],
        request=InputSerializer,
        responses={200: InterpreterSessionSerializer, **ERRORS},
    )
    def post(self, request, public_id):
        session = _visible_session(request.user, public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_end(
            session=session,
            actor=request.user,
            talk_seconds=data.validated_data["talk_seconds"],
            no_recording_reason=data.validated_data["no_recording_reason"],
        )
        return Response(
            InterpreterSessionSerializer(_visible_session(request.user, public_id)).data
        )


class SessionRecordingApi(ApiView):
    """Attach the session's recording (multipart upload, field "file")."""

    permission_classes = [IsInterpreter]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(max_length=200, allow_empty_file=False)

    @extend_schema(
        operation_id="sessions_recording",
        parameters=[CALL_ID],
        request={"multipart/form-data": InputSerializer},
        responses={201: InterpreterSessionSerializer, **ERRORS, 413: ErrorSerializer},
    )
    def post(self, request, public_id):
        session = _visible_session(request.user, public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recording_attach(
            session=session, file=data.validated_data["file"], actor=request.user
        )
        return Response(
            InterpreterSessionSerializer(_visible_session(request.user, public_id)).data,
            status=status.HTTP_201_CREATED,
        )


# --- operator -------------------------------------------------------------------


class OfficeCallScheduleApi(ApiView):
    """SPEC step 4 for programs: an operator schedules (or reschedules) a call.

    A time without an offset is read in the operator's own time zone.
    """

    permission_classes = [IsOperator]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        starts_at = InstantField(
            help_text="With an offset, that instant; without one, your own time zone's wall "
            "clock (a time that does not exist there, or exists twice, is refused)."
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
        call = _visible_call(selectors.calls_visible_to(request.user), public_id)
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
