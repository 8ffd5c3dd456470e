"""What every calls API module shares: the call id parameter, the error
responses, and finding a call among those the user may see."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from calls import selectors
from calls.models import Call
from common.api import ErrorSerializer, parse_public_id

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


def visible_call(queryset, public_id: str):
    """The call with this public id among `queryset`, or 404 (also for a malformed id)."""
    call = queryset.filter(public_id=parse_public_id(public_id)).first()
    if call is None:
        raise exceptions.NotFound(_("Not found."))
    return call


def client_call_or_404(client, public_id: str):
    """One of the client's calls, complete as in her lists (selectors.client_call),
    or 404 (also for a malformed id)."""
    try:
        return selectors.client_call(client, parse_public_id(public_id))
    except Call.DoesNotExist:
        raise exceptions.NotFound(_("Not found.")) from None
