"""The operators' admin site: operators (and superusers) only, nobody else."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import BoundedUsernameMixin


class OperatorAuthenticationForm(BoundedUsernameMixin, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "not_operator": _("This page is for the head office's operators."),
    }

    def confirm_login_allowed(self, user):
        if not getattr(user, "is_operator", False):
            raise ValidationError(self.error_messages["not_operator"], code="not_operator")


class OfficeAdminSite(admin.AdminSite):
    site_header = _("Interpreted calls — head office")
    site_title = _("Head office")
    index_title = _("Operators' workplace")
    login_form = OperatorAuthenticationForm

    def has_permission(self, request):
        return getattr(request.user, "is_operator", False)
