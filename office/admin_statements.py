"""The agency's commission statement as an action on agencies in the admin:
the month asked, then one CSV for the chosen agencies (billing/statements.py,
with each call's member named by calls)."""

from __future__ import annotations

import io

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.models import Agency
from billing.statements import agent_statement, write_statement_csv
from calls.selectors import member_names_for_calls
from common.call_numbers import call_number


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=gettext_lazy("month (YYYY-MM)"), regex=r"^\d{4}-(0[1-9]|1[0-2])$"
    )


def _last_month() -> str:
    # Statements are by UTC month; the server's own local date is not one.
    today = timezone.now().date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@admin.action(description=gettext_lazy("Download the commission statement (CSV)"))
def download_commission_statement(modeladmin, request, queryset):
    form = MonthForm(request.POST if "month" in request.POST else None)
    if form.is_bound and form.is_valid():
        year, month = (int(part) for part in form.cleaned_data["month"].split("-"))
        out = io.StringIO()
        for index, agency in enumerate(queryset.order_by("name")):
            if index:
                out.write("\r\n")
            statement = agent_statement(
                agency_id=agency.pk, year=year, month=month, member_names=member_names_for_calls
            )
            # Calls by their numbers (C-10427), as on every page and email.
            numbers = {r.call_id: call_number(r.call_id) for r in statement.rows if r.call_id}
            write_statement_csv(statement, out, call_labels=numbers)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"commission-{year:04d}-{month:02d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if not form.is_bound:
        form = MonthForm(initial={"month": _last_month()})
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Commission statement"),
        "form": form,
        "queryset": queryset,
        "action": "download_commission_statement",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "office/statement_month.html", context)


def offer_statement_on_agencies(site=admin.site) -> bool:
    """Add the statement action to the agencies' admin (agents registers it, the
    office adds the action)."""
    try:
        agency_admin = site.get_model_admin(Agency)
    except NotRegistered:
        return False
    actions = list(agency_admin.actions or [])
    if download_commission_statement not in actions:
        agency_admin.actions = [*actions, download_commission_statement]
    return True
