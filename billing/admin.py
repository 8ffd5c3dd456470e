"""The operators' money desk: tariffs and rules, accounts, the ledger, top-ups.

Tariffs and commission rules are editable until they have priced a call;
then a change is a new row with a later start. Ledger entries and call
charges are read-only here: money moves only through the top-up and
adjustment forms, which call billing's services (a reason is mandatory and
is kept on the entry with the operator who posted it).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from common.admin import ReadOnlyAdmin
from common.errors import DomainError
from common.forms import add_domain_error
from common.paginators import LargeTableAdmin

from . import selectors, services
from .formatting import credits
from .models import (
    Account,
    AccountKind,
    CallCharge,
    CommissionRule,
    Entry,
    OutcomePolicy,
    Tariff,
)


class TermsAdmin(admin.ModelAdmin):
    """Shared by tariffs and rules: frozen once they have priced a call."""

    list_filter = ("kind",)
    ordering = ("kind", "-effective_from")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.in_use():
            return [f.name for f in self.model._meta.fields]
        return ["created_at"]

    def has_delete_permission(self, request, obj=None):
        in_use = obj is not None and obj.in_use()
        return super().has_delete_permission(request, obj) and not in_use


@admin.register(Tariff)
class TariffAdmin(TermsAdmin):
    list_display = ("kind", "price_per_minute", "minimum_minutes", "effective_from", "note")


@admin.register(CommissionRule)
class CommissionRuleAdmin(TermsAdmin):
    list_display = ("kind", "percent", "minimum_amount", "effective_from", "note")


@admin.register(OutcomePolicy)
class OutcomePolicyAdmin(TermsAdmin):
    """Who pays when a call ends with each outcome; frozen once it priced a call."""

    list_display = (
        "kind",
        "outcome",
        "basis",
        "client_amount",
        "agent_amount",
        "effective_from",
        "note",
    )
    list_filter = ("kind", "outcome")
    ordering = ("kind", "outcome", "-effective_from")


class OverdrawnFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdrawn")
    parameter_name = "overdrawn"

    def lookups(self, request, model_admin):
        return [("yes", _("Below zero (call ran past its plan)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(kind=AccountKind.CLIENT_CREDIT, balance__lt=0)
        return queryset


class TopUpForm(forms.Form):
    client = forms.ModelChoiceField(
        label=gettext_lazy("client"),
        queryset=User.objects.filter(role=Role.CLIENT, is_active=True).order_by("username"),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("credits"), max_digits=13, decimal_places=2, min_value=0.01
    )
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=services.MAX_REASON,
        help_text=gettext_lazy("E.g. the payment's reference. Kept in the ledger."),
    )


class AdjustmentForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("account"),
        queryset=Account.objects.filter(kind__in=services.ADJUSTABLE_KINDS).select_related(
            "user", "agency"
        ),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("credits"),
        max_digits=13,
        decimal_places=2,
        help_text=gettext_lazy("Positive adds to the account, negative takes from it."),
    )
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=services.MAX_REASON, widget=forms.Textarea
    )
    call_id = forms.IntegerField(
        label=gettext_lazy("call (number), if it concerns one"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # a database id: bigger is no call, not a crash
    )


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "balance_display", "is_overdrawn")
    list_filter = (OverdrawnFilter, "kind")
    search_fields = ("user__username", "user__last_name", "user__email", "agency__name")
    list_select_related = ("user", "agency")
    change_list_template = "admin/billing/account/change_list.html"

    @admin.display(description=gettext_lazy("balance"), ordering="balance")
    def balance_display(self, obj):
        return credits(obj.balance)

    @admin.display(description=gettext_lazy("overdrawn"), boolean=True)
    def is_overdrawn(self, obj):
        return obj.is_overdrawn

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("top-up/", view(self.top_up_view), name="billing_account_top_up"),
            path("adjust/", view(self.adjustment_view), name="billing_account_adjust"),
            path("check/", view(self.check_view), name="billing_account_check"),
            *super().get_urls(),
        ]

    def _money_form(self, request, form_class, title, post):
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                post(form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Posted to the ledger."))
                return redirect("admin:billing_account_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/money_form.html", context)

    def top_up_view(self, request):
        return self._money_form(
            request,
            TopUpForm,
            _("Top up a client's credit"),
            lambda data: services.client_top_up(
                client=data["client"],
                amount=data["amount"],
                reason=data["reason"],
                actor=request.user,
            ),
        )

    def adjustment_view(self, request):
        return self._money_form(
            request,
            AdjustmentForm,
            _("Post a manual adjustment"),
            lambda data: services.adjustment_post(
                account=data["account"],
                amount=data["amount"],
                reason=data["reason"],
                call_id=data["call_id"],
                actor=request.user,
            ),
        )

    def check_view(self, request):
        problems = selectors.ledger_problems()
        if problems:
            for problem in problems:
                messages.error(request, f"{problem.what}: {problem.detail}")
        else:
            messages.success(
                request, _("The ledger is sound: every balance is the sum of its entries.")
            )
        return redirect("admin:billing_account_changelist")


@admin.register(Entry)
class EntryAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ("created_at", "kind", "account", "amount", "call_id", "actor", "reason")
    list_filter = ("kind", "account__kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("reason", "=call_id", "=transfer", "account__user__username")
    list_select_related = ("account", "account__user", "account__agency", "actor")


@admin.register(CallCharge)
class CallChargeAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = (
        "call_id",
        "client",
        "kind",
        "status",
        "outcome",
        "held",
        "billed_minutes",
        "client_charge",
        "agent_commission",
        "house_revenue",
        "overrun",
    )
    list_filter = ("overrun", "status", "outcome", "kind")
    search_fields = ("=call_id", "client__username", "client__last_name")
    list_select_related = ("client",)
