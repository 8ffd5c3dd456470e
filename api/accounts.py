"""Signing in for programs (API tokens) and the signed-in person's profile.

Tokens are issued for a username and password, through the same
authentication backends as the sign-in page, so django-axes counts and locks
out failed attempts here too; the endpoint is also rate-limited (scope
"api_token"). A token expires after API_TOKEN_MAX_AGE_DAYS; issuing a new
one revokes the old.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts import services
from accounts.models import Role
from common.api import ApiView, ErrorSerializer
from common.errors import DomainError
from common.throttling import ScopedRateThrottle


class TokenObtainApi(ApiView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "api_token"
    # Anonymous: there is nobody to scope a key to, and a repeat is harmless.
    idempotent_posts = False

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        # Shown this once: the database keeps only its digest.
        token = serializers.CharField(source="key")
        expires_at = serializers.DateTimeField()
        expires_in_days = serializers.SerializerMethodField()

        def get_expires_in_days(self, token) -> int:
            return settings.API_TOKEN_MAX_AGE_DAYS

    @extend_schema(
        operation_id="auth_token_create",
        auth=[],
        request=InputSerializer,
        responses={201: OutputSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain HttpRequest: django-axes records the attempt on it and its
        # middleware turns a lockout into a 429.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise DomainError("invalid_credentials", _("The username or password is not correct."))
        token = services.api_token_issue(user=user)
        return Response(self.OutputSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(ApiView):
    """Revoke the API token of the signed-in person (sign out a program)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={204: None, 401: ErrorSerializer},
    )
    def post(self, request):
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(ApiView):
    """The signed-in person: role, time zone and language (which the API speaks)."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        role = serializers.ChoiceField(choices=Role.choices)
        time_zone = serializers.CharField()
        language = serializers.CharField()

    class InputSerializer(serializers.Serializer):
        time_zone = serializers.CharField(max_length=64, required=False)
        language = serializers.CharField(max_length=8, required=False)

    @extend_schema(
        operation_id="me_retrieve", responses={200: OutputSerializer, 401: ErrorSerializer}
    )
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)

    @extend_schema(
        operation_id="me_update",
        request=InputSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_preferences_update(user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(user).data)
