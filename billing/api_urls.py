"""API URLs of billing (under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("balance/", api.BalanceApi.as_view(), name="api-balance"),
    path("ledger/", api.LedgerApi.as_view(), name="api-ledger"),
    path("agent/statements/<str:month>/", api.StatementApi.as_view(), name="api-agent-statement"),
]
