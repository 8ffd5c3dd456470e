"""Operators register endpoints (an agency's or the office's own), see every
delivery with its tries, and replay one, several, or all since a time.

Every write goes through webhooks/services.py. A secret is shown once, in the
message after registering or after "New secret".
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from common.errors import DomainError

from . import services
from .forms import EndpointForm
from .models import Attempt, Delivery, Endpoint


class EndpointAdminForm(EndpointForm, forms.ModelForm):
    class Meta:
        model = Endpoint
        fields = ["agency", "url", "events", "description"]
        help_texts = {"agency": _("Empty: the office's own systems (they hear about every call).")}


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointAdminForm
    list_display = ["url", "agency", "is_active", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "agency__name", "description"]
    list_select_related = ["agency"]
    readonly_fields = [
        "public_id",
        "secret_hint",
        "secret_changed_at",
        "is_active",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "created_by",
        "created_at",
    ]
    actions = ["send_test", "new_secret", "enable", "disable"]

    def get_readonly_fields(self, request, obj=None):
        # The owner is chosen once: an agency's endpoint never becomes the office's.
        return [*self.readonly_fields, "agency"] if obj else []

    def get_fields(self, request, obj=None):
        return ["agency", "url", "events", "description"] + (self.readonly_fields if obj else [])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["events"].initial = obj.events
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                services.endpoint_update(
                    endpoint=obj,
                    url=data["url"],
                    events=data["events"],
                    description=data["description"],
                )
                return
            endpoint, secret = services.endpoint_create(
                agency=data.get("agency"),
                url=data["url"],
                events=data["events"],
                description=data["description"],
                actor=request.user,
            )
        except DomainError as error:  # the form checked first; a race is all that is left
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = endpoint.pk
        self._secret_shown(request, endpoint, secret)

    def _secret_shown(self, request, endpoint, secret):
        self.message_user(
            request,
            _("The secret for %(url)s is %(secret)s — copy it now: it is not shown again.")
            % {"url": endpoint.url, "secret": secret},
            messages.WARNING,
        )

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test(self, request, queryset):
        sent = 0
        for endpoint in queryset.filter(is_active=True):
            services.endpoint_test_send(endpoint=endpoint)
            sent += 1
        self.message_user(
            request,
            ngettext("%(n)d test event queued.", "%(n)d test events queued.", sent) % {"n": sent},
            messages.SUCCESS,
        )

    @admin.action(description=_("Give a new secret (one endpoint)"), permissions=["change"])
    def new_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one endpoint."), messages.ERROR)
            return
        endpoint = queryset.get()
        self._secret_shown(request, endpoint, services.endpoint_secret_rotate(endpoint=endpoint))

    @admin.action(description=_("Enable again"), permissions=["change"])
    def enable(self, request, queryset):
        for endpoint in queryset.filter(is_active=False):
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, _("Enabled."), messages.SUCCESS)

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable(self, request, queryset):
        for endpoint in queryset.filter(is_active=True):
            services.endpoint_disable(endpoint=endpoint, reason=f"disabled by {request.user}")
        self.message_user(request, _("Disabled."), messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["at", "status_code", "error", "response_excerpt", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReplaySinceForm(forms.Form):
    since = forms.SplitDateTimeField(
        label=_("Recorded since"), widget=admin.widgets.AdminSplitDateTime
    )
    endpoint = forms.ModelChoiceField(
        label=_("Endpoint"),
        queryset=Endpoint.objects.filter(is_active=True),
        required=False,
        empty_label=_("Every active endpoint"),
    )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "event"]
    search_fields = ["message_id", "call_key", "endpoint__url"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]
    change_list_template = "webhooks/admin/delivery_change_list.html"

    @admin.action(description=_("Send again (same webhook-id)"), permissions=["view"])
    def replay(self, request, queryset):
        try:
            queued = services.deliveries_replay(queryset)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", queued)
            % {"n": queued},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "replay-since/",
                self.admin_site.admin_view(self.replay_since_view),
                name="webhooks_delivery_replay_since",
            ),
            *super().get_urls(),
        ]

    def replay_since_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        form = ReplaySinceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                queued = services.deliveries_replay_since(
                    since=form.cleaned_data["since"], endpoint=form.cleaned_data["endpoint"]
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d delivery queued again.", "%(n)d deliveries queued again.", queued
                    )
                    % {"n": queued},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:webhooks_delivery_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Send deliveries again"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "webhooks/admin/replay_since.html", context)
