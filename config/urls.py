"""URL map. Each app adds its pages under its own prefix."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import RedocDocsView, SwaggerDocsView
from config.health import healthz

# Under /api/ a path that names nothing is a 404 in the API's error shape (common/api.py).
handler404 = "common.api.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # People's pages, one app per audience (accounts: home, sign in, language).
    path("", include("accounts.urls")),
    path("", include("client_pages.urls")),
    path("", include("interpreter_pages.urls")),
    path("", include("duty.urls")),
    path("", include("recordings.urls")),
    # Calendar feeds (secret URLs), a call's .ics, the person's calendar page.
    path("", include("calendars.urls")),
    # Video rooms: join links and the media server's events (rooms/).
    path("", include("rooms.urls")),
    path("agent/", include("agent_pages.urls")),
    # The agency's card is a report (reports/agency_views.py) shown among the agent's pages.
    path("agent/", include("reports.agent_urls")),
    # The REST API, one module per audience (common/api.py has what every API view shares).
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own,
    # so the Content-Security-Policy needs no inline script.
    # The docs are pages for people: a visitor who is not signed in is sent to
    # sign in and back (the schema itself stays a 401 for programs).
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="api-schema"), name="api-redoc"),
]
