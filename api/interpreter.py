"""The interpreter's sessions: list, read one, start, end, attach the recording."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import IsInterpreter
from api.base import CALL_ID, ERRORS, READ_ERRORS
from api.serializers import InterpreterSessionSerializer
from calls import selectors, services, talk_time
from calls.models import Session
from common.api import (
    PAGE_PARAMETERS,
    ApiView,
    ErrorSerializer,
    paginated,
    paginated_response,
    parse_public_id,
)
from recordings import services as recording_services


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
            queryset=selectors.interpreter_sessions(request.user),
            request=request,
            view=self,
            # Who reads decides whether the numbers are masked (privacy.masking).
            context_for_page=lambda page: {"request": request},
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
            InterpreterSessionSerializer(
                _visible_session(request.user, public_id), context={"request": request}
            ).data
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
            InterpreterSessionSerializer(
                _visible_session(request.user, public_id), context={"request": request}
            ).data
        )


class SessionEndApi(ApiView):
    """End the conversation; the call completes (SPEC steps 6 and 7)."""

    permission_classes = [IsInterpreter]

    class InputSerializer(serializers.Serializer):
        talk_seconds = serializers.IntegerField(
            min_value=0,
            max_value=talk_time.MAX_TALK_SECONDS,
            required=False,
            allow_null=True,
            default=None,
            help_text="A correction of the measured talk time (end − start), e.g. the "
            "conference line's figure: never more than measured; needs `talk_reason`. "
            "Measured if left out.",
        )
        talk_reason = serializers.CharField(
            max_length=talk_time.MAX_REASON,
            required=False,
            default="",
            allow_blank=True,
            help_text="Why the talk time differs from the measured one.",
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
            talk_reason=data.validated_data["talk_reason"],
            no_recording_reason=data.validated_data["no_recording_reason"],
        )
        return Response(
            InterpreterSessionSerializer(
                _visible_session(request.user, public_id), context={"request": request}
            ).data
        )


class SessionRecordingApi(ApiView):
    """Attach the session's recording (multipart upload, field "file"); it is sealed at
    rest. A second upload replaces the first only with a `reason`."""

    permission_classes = [IsInterpreter]
    # Multipart only: Django's upload handlers stream the file; DRF's FormParser
    # would read a body of any size whole.
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(max_length=200, allow_empty_file=False)
        reason = serializers.CharField(
            max_length=2000,
            required=False,
            default="",
            allow_blank=True,
            help_text="Why an existing recording is replaced (required to replace one).",
        )

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
        recording_services.recording_attach(
            session=session,
            file=data.validated_data["file"],
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(
            InterpreterSessionSerializer(
                _visible_session(request.user, public_id), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )


def _visible_session(user: User, public_id: str) -> Session:
    """The live session of the call with this public id, if it is the user's; or 404."""
    session = (
        selectors.interpreter_sessions(user)
        .filter(call__public_id=parse_public_id(public_id))
        .first()
    )
    if session is None:
        raise exceptions.NotFound(_("Not found."))
    return session
