"""URL map. Each app adds its pages under its own prefix."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # People's pages (accounts: home, sign in, language; calls: client/ and interpreter/).
    path("", include("accounts.urls")),
    path("", include("calls.urls")),
    path("", include("duty.urls")),
    # The agent's pages act on calls, so they live with them (calls/agent_views.py).
    path("agent/", include("calls.agent_urls")),
    # The REST API (common/api.py has what every API view shares).
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("calls.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own,
    # so the Content-Security-Policy needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
