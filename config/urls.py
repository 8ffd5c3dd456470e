"""URL map. Each app adds its pages under its own prefix."""

from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # People's pages (accounts: home, sign in, language; calls: client/ and interpreter/).
    path("", include("accounts.urls")),
    path("", include("calls.urls")),
    path("agent/", include("agents.urls")),
]
