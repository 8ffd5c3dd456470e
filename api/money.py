"""The money API: the client's balance and ledger, the agency's monthly statement.

Reads only, through billing's selectors and statements. Billing knows calls
only by their database key; here, at the door, keys become the calls' public
ids (only calls the user may see), so no database key leaves the API. That is
why these views live with the calls API and not in billing: billing never
imports calls.
"""

from __future__ import annotations

import csv
import io
import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response

from accounts.permissions import IsAgent, IsClient
from billing import selectors
from billing.formatting import credits
from billing.models import MONEY, EntryKind
from billing.statements import agent_statement, write_statement_csv
from calls.selectors import calls_visible_to, member_names_for_calls
from common.api import PAGE_PARAMETERS, ApiView, ErrorSerializer, paginated, paginated_response
from common.call_numbers import call_number
from common.errors import DomainError


def _public_ids(user, call_ids) -> dict[int, str]:
    """Database key -> public id, for the calls among `call_ids` that `user` may see."""
    keys = {key for key in call_ids if key}
    if not keys:
        return {}
    return {
        pk: str(public_id)
        for pk, public_id in calls_visible_to(user)
        .filter(pk__in=keys)
        .values_list("pk", "public_id")
    }


class BalanceApi(ApiView):
    """The client's credit: usable now, and held for booked calls."""

    permission_classes = [IsClient]

    class OutputSerializer(serializers.Serializer):
        balance = serializers.DecimalField(**MONEY, help_text="Credit usable now.")
        held = serializers.DecimalField(**MONEY, help_text="Credit held for booked calls.")
        balance_display = serializers.CharField()
        held_display = serializers.CharField()

    @extend_schema(
        operation_id="balance_retrieve",
        responses={200: OutputSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        balance = selectors.client_balance(request.user)
        held = selectors.client_held(request.user)
        data = {
            "balance": balance,
            "held": held,
            "balance_display": credits(balance),
            "held_display": credits(held),
        }
        return Response(self.OutputSerializer(data).data)


class LedgerEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    amount = serializers.DecimalField(**MONEY, help_text="Positive adds credit, negative takes.")
    call = serializers.SerializerMethodField(help_text="The call's public id, if any.")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_call(self, entry) -> str | None:
        return self.context.get("public_ids", {}).get(entry.call_id)


class LedgerApi(ApiView):
    """Movements of the client's credit, newest first (paginated)."""

    permission_classes = [IsClient]

    @extend_schema(
        operation_id="ledger_list",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated(LedgerEntrySerializer),
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        return paginated_response(
            serializer_class=LedgerEntrySerializer,
            queryset=selectors.client_entries(request.user),
            request=request,
            view=self,
            context_for_page=lambda page: {
                "public_ids": _public_ids(request.user, [e.call_id for e in page])
            },
        )


class StatementCSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        statement = getattr(response, "statement", None)
        out = io.StringIO()
        if statement is not None and response.status_code == 200:
            write_statement_csv(statement, out, call_labels=response.call_numbers)
        elif isinstance(data, dict):  # an error: code and message
            csv.writer(out).writerow([data.get("code", ""), data.get("message", "")])
        return out.getvalue().encode(self.charset)


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class StatementApi(ApiView):
    """The agency's commission statement for one month (UTC), as JSON or CSV
    (`Accept: text/csv` or `?format=csv`)."""

    permission_classes = [IsAgent]
    renderer_classes = [renderers.JSONRenderer, StatementCSVRenderer]

    class OutputSerializer(serializers.Serializer):
        class RowSerializer(serializers.Serializer):
            at = serializers.DateTimeField()
            call = serializers.SerializerMethodField(help_text="The call's public id.")
            kind = serializers.CharField()
            talk_seconds = serializers.IntegerField(allow_null=True)
            billed_minutes = serializers.IntegerField(allow_null=True)
            client_charge = serializers.DecimalField(**MONEY, allow_null=True)
            commission = serializers.DecimalField(**MONEY)
            note = serializers.CharField()
            outcome = serializers.CharField(help_text="How the call ended; empty for adjustments.")
            member = serializers.CharField()

            number = serializers.SerializerMethodField(help_text="The call's number (C-10427).")

            def get_call(self, row) -> str | None:
                return self.context["call_labels"].get(row.call_id) or None

            def get_number(self, row) -> str | None:
                return self.context["call_numbers"].get(row.call_id) or None

        agency = serializers.CharField(source="agency_name")
        year = serializers.IntegerField()
        month = serializers.IntegerField()
        calls = serializers.IntegerField()
        member_unreachable = serializers.IntegerField(
            help_text="Calls of the month whose member could not be reached."
        )
        billed_minutes = serializers.IntegerField()
        client_charges = serializers.DecimalField(**MONEY)
        commission = serializers.DecimalField(**MONEY)
        adjustments = serializers.DecimalField(**MONEY)
        total = serializers.DecimalField(**MONEY)
        rows = RowSerializer(many=True)

    @extend_schema(
        operation_id="agent_statements_retrieve",
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                # As strict as billing.statements.month_bounds: years 2000..9998, months 01..12.
                pattern=r"^(2[0-9]{3}|[3-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
                r"-(0[1-9]|1[0-2])$",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            (200, "application/json"): OutputSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request, month):
        match = MONTH.match(month)
        if not match:
            raise DomainError("bad_month", _("Give the month as YYYY-MM."), field="month")
        statement = agent_statement(
            agency_id=request.user.agency_id,
            year=int(match[1]),
            month=int(match[2]),
            member_names=member_names_for_calls,
        )
        # Calls by their public ids, never by database keys (JSON and CSV alike).
        public_ids = _public_ids(request.user, [row.call_id for row in statement.rows])
        labels = {row.call_id: public_ids.get(row.call_id, "") for row in statement.rows}
        # People read calls by their numbers (CSV); programs may also use the public id.
        numbers = {key: call_number(key) for key in public_ids}
        data = self.OutputSerializer(
            statement, context={"call_labels": labels, "call_numbers": numbers}
        ).data
        response = Response(data)
        response.call_numbers = numbers
        response.statement = statement  # for the CSV renderer
        if request.accepted_renderer.format == "csv":
            name = f"statement-{statement.year:04d}-{statement.month:02d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
