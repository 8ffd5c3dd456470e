"""The API's docs (Swagger UI, ReDoc) are pages for people: a visitor who is not
signed in is sent to sign in and back, not shown a bare 401. Programs keep their
token (and the schema at /api/schema/ keeps its 401)."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class _SignInFirst:
    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerDocsView(_SignInFirst, SpectacularSwaggerSplitView):
    pass


class RedocDocsView(_SignInFirst, SpectacularRedocView):
    pass
