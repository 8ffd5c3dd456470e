from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class PersonAdmin(UserAdmin):
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
