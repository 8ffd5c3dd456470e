from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from common.admin import TimeZonePickerMixin

from .models import ApiToken, User
from .services import api_token_issue


@admin.register(User)
class PersonAdmin(TimeZonePickerMixin, UserAdmin):
    list_display = ("username", "get_full_name", "email", "role", "agency", "time_zone", "language")
    list_filter = ("role", "language", "on_duty", "is_active", "agency")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("agency",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Role in the office"),
            {
                "fields": (
                    "role",
                    "agency",
                    "phone",
                    "time_zone",
                    "language",
                    "languages",
                    "on_duty",
                )
            },
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (
            _("Role in the office"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "email",
                    "role",
                    "agency",
                    "phone",
                    "time_zone",
                    "language",
                    "languages",
                )
            },
        ),
    )


# API tokens: django-rest-knox keeps each as a SHA-512 digest; the admin shows
# only its first characters (enough to tell tokens apart) and who and until
# when. A token made here is shown once, in the message after saving.
admin.site.unregister(AuthToken)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "person", "made", "expires")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    fields = ("prefix", "person", "made", "expires")
    readonly_fields = fields
    autocomplete_fields = ("user",)

    @admin.display(description=_("token (first characters)"))
    def prefix(self, obj):
        return f"{obj.token_key}…"

    @admin.display(description=_("person"), ordering="user__username")
    def person(self, obj):
        return obj.user

    @admin.display(description=_("made"), ordering="created")
    def made(self, obj):
        return obj.created

    @admin.display(description=_("expires"), ordering="expiry")
    def expires(self, obj):
        return obj.expiry

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("user",) if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        issued = api_token_issue(user=obj.user)
        obj.pk, obj.token_key = issued.token.pk, issued.token.token_key
        self.message_user(
            request,
            _("The token for %(user)s is %(key)s — copy it now: it is not shown again.")
            % {"user": obj.user, "key": issued.key},
            messages.WARNING,
        )
