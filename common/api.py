"""What every API view shares: one error shape, the user's language and time
zone, pagination, and schema names. (Who may use what: accounts/permissions.py.)

Every error the API gives has one shape, whatever raised it:

    {"code": "<stable machine-readable code>",
     "message": "<human message in the user's language>",
     "errors": {"<field>": ["<message>", ...], ...}}

`exception_handler` is the one DRF exception handler (settings
REST_FRAMEWORK["EXCEPTION_HANDLER"]); it maps `common.errors.DomainError` to
its 4xx status and DRF's own errors (validation, authentication, throttling,
parsing) to the same shape.
"""

from __future__ import annotations

import functools
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common import idempotency
from common.drf import Pagination
from common.errors import DomainError
from common.person_locale import activate_person_locale

# --- errors -------------------------------------------------------------------


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "numbers-0-number": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(i) for i in detail)
        else:
            for index, item in enumerate(detail):
                if not item:
                    continue
                name = f"{prefix}-{index}" if prefix else str(index)
                for field, messages in _flatten(item, name).items():
                    out.setdefault(field, []).extend(messages)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


def exception_handler(exc, context):
    """The API's one exception handler (see the module docstring)."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.errors), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django answer 500 and log it
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()))[0] if errors else _("Invalid input.")
        message = _("Check the input: %(first)s") % {"first": first}
        response.data = error_body("invalid", message, errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes' answer once an address or username is locked out (429)."""
    message = _("Too many failed sign-in attempts. Try again later.")
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", message), status=429)
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")


def not_found(request, exception=None):
    """Django's handler404 (config/urls.py): a path under /api/ that names no
    endpoint (or a path parameter its pattern refuses, e.g. an id with a slash)
    is a 404 in the API's one error shape, never the site's HTML page."""
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("not_found", _("Not found.")), status=404)
        patch_cache_control(response, private=True, no_store=True)
        return response
    return page_not_found(request, exception)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer (for the schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def parse_public_id(value) -> uuid.UUID:
    """A public id from a URL, or 404: a malformed id names nothing."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise exceptions.NotFound(_("Not found.")) from None


# --- views ----------------------------------------------------------------------


class ApiView(APIView):
    """Base of every API view: speaks the user's language and time zone, and
    honours an Idempotency-Key on every POST (idempotency/).

    Token authentication happens inside DRF, after the middleware that picks
    the profile's language, so the language is activated again here, before
    permissions and the service run (messages are translated when raised).

    A POST with an Idempotency-Key is claimed after authentication, permission
    and rate-limit checks and before the handler runs; its answer is kept for
    repeats. Views that act for nobody in particular (issuing a token) set
    `idempotent_posts = False`.
    """

    idempotent_posts = True
    _idempotency_claim = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A view without `post` answers 405 (DRF's dispatch): nothing to claim or wrap.
        if request.method == "POST" and self.idempotent_posts and hasattr(self, "post"):
            self._idempotency_claim = idempotency.claim_for(request)
            if self._idempotency_claim is not None:
                self.post = self._answered_once(self.post)

    def _answered_once(self, handler):
        """The claimed POST's work and its kept answer in one transaction, so a
        retry at any moment finds either nothing done or the first answer."""

        @functools.wraps(handler)
        def run(request, *args, **kwargs):
            claim = self._idempotency_claim
            with transaction.atomic():
                idempotency.keyed_request_lock(row=claim.row)
                try:
                    response = handler(request, *args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - answered as DRF would, or re-raised
                    response = self.handle_exception(exc)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                    return response  # the claim is forgotten in finalize_response
                # Rendered and kept here, before the commit (finalize_response records).
                return self.finalize_response(request, response, *args, **kwargs)

        return run

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.ReplayAnswer):
            return exc.response
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            claim, self._idempotency_claim = self._idempotency_claim, None
            if claim is not None:
                # The handler raised past DRF (a bug, answered 500): a repeat may run again.
                idempotency.keyed_request_release(row=claim.row)

    def perform_authentication(self, request):
        user = request.user
        if user is not None and user.is_authenticated:
            # Token users are known only now (after the middleware): the same rule.
            activate_person_locale(request, language=user.language, time_zone=user.time_zone)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers carry personal data and money: no shared or browser cache keeps them.
        patch_cache_control(response, private=True, no_store=True)
        timezone.deactivate()
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            idempotency.record(claim, response)
        return response


@functools.cache
def paginated(serializer_class):
    """The schema of one page of `serializer_class` (what `paginated_response` gives)."""
    name = "Paginated" + serializer_class.__name__.removesuffix("Serializer") + "List"
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "__qualname__": name,
            "__module__": serializer_class.__module__,
        },
    )


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID) to make a retry safe: a repeat with the same key "
        "gets the first answer (header Idempotent-Replayed: true) instead of acting twice; "
        "409 while the first is still running; 422 if the key was used for another request. "
        "Keys are yours alone and kept at least 24 hours."
    ),
    pattern=r"^[\x20-\x7e]{1,255}$",
)

PAGE_PARAMETERS = [
    # DRF's paginator answers 404 for page 0 or below: the schema says so.
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number, from 1."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 100},
        description="Items per page, from 1 to 100 (25 when not given).",
    ),
]


def paginated_response(
    *, serializer_class, queryset, request, view, context_for_page=None, read_page=None
):
    """One page of `queryset` in the paginator's envelope (count, next, previous, results).

    `read_page(page_queryset)` reads the page's objects its own way instead of
    the sliced queryset's plain query (e.g. calls.selectors.client_call_page,
    with what the list shows of each, in one query); `context_for_page(page)`
    gives the serializer's context for the page's objects (e.g. prices looked
    up in one query for the page only).
    """
    paginator = Pagination(read_page=read_page)
    page = paginator.paginate_queryset(queryset, request, view=view)
    context = context_for_page(page) if context_for_page else {}
    data = serializer_class(page, many=True, context=context).data
    return paginator.get_paginated_response(data)


# --- schema ---------------------------------------------------------------------


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>` (common.drf.ExpiringTokenAuthentication) in the schema."""

    target_class = "common.drf.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


METHOD_NOT_ALLOWED = (
    "The path does not answer this method (code `method_not_allowed`); the Allow header "
    "lists the methods it answers."
)
NOT_ACCEPTABLE = (
    "The Accept header rules out application/json, the only type this API answers "
    "(code `not_acceptable`)."
)


class AutoSchema(SpectacularAutoSchema):
    """Names nested serializers after their view ("CallListApi.OutputSerializer"
    becomes "CallListApiOutput"), so the many Input/Output classes don't clash."""

    def _is_idempotent_post(self) -> bool:
        return self.method == "POST" and getattr(self.view, "idempotent_posts", False)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_idempotent_post():
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._is_idempotent_post():
            # A bad key (400), a repeat while the first runs (409), the key
            # used for another request (422): the one error shape.
            for code in ("400", "409", "422"):
                if code not in responses:
                    responses[code] = self._get_response_for_code(
                        ErrorSerializer, code, direction=direction
                    )
        if (
            direction == "response"
            and "400" not in responses
            and any(
                getattr(parameter, "name", None) == "page_size"
                for parameter in self.get_override_parameters()
            )
        ):
            # A page size that is not a whole number from 1 to 100 is refused
            # (common.drf.Pagination): every paginated list says so.
            responses["400"] = self._get_response_for_code(
                ErrorSerializer, "400", direction=direction
            )
        if direction == "response":
            # Every path answers a method it doesn't serve with a 405 (DRF's
            # dispatch, after authentication), and JSON only: an Accept header
            # that rules JSON out is a 406 before anything else. Both in the
            # one error shape.
            for code, description in (("405", METHOD_NOT_ALLOWED), ("406", NOT_ACCEPTABLE)):
                if code not in responses:
                    responses[code] = self._get_response_for_code(
                        ErrorSerializer, code, direction=direction
                    )
                    responses[code]["description"] = description
        return responses

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        if "." in cls.__qualname__ and "<locals>" not in cls.__qualname__:
            return cls.__qualname__.replace(".", "").replace("Serializer", "")
        return super().get_serializer_name(serializer, direction)
