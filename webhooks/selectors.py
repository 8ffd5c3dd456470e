"""Reads for webhooks: an owner's endpoints, an endpoint's deliveries with their tries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Attempt, Delivery, Endpoint

# Tries shown with each delivery (the newest); the admin shows them all.
TRIES_SHOWN = 5


def agency_endpoints(agency_id: int) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(agency_id=agency_id).order_by("-created_at", "-id")


def agency_endpoint(agency_id: int, public_id) -> Endpoint | None:
    """One of the agency's endpoints, or None (another agency's is none of its business)."""
    return agency_endpoints(agency_id).filter(public_id=public_id).first()


def endpoint_deliveries(endpoint: Endpoint) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .order_by("-created_at", "-id")
        .prefetch_related(
            Prefetch(
                "tries", queryset=Attempt.objects.order_by("-at", "-id"), to_attr="tries_newest"
            )
        )
    )
