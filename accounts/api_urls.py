"""API URLs of accounts (under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", api.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", api.MeApi.as_view(), name="api-me"),
]
