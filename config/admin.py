"""The operators' admin site: operators (and superusers) only, nobody else."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import path
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

    index_template = "office/front.html"
    # The front page and the office's menu replace the sidebar of every app
    # (which put Axes, Groups and Tokens beside the daily work and narrowed lists).
    enable_nav_sidebar = False

    def has_permission(self, request):
        return getattr(request.user, "is_operator", False)

    def index(self, request, extra_context=None):
        """The office's front page: today at a glance, then the tables grouped by work."""
        from office import views  # the office reads every app; loaded once the apps are

        return views.front_page(self, request)

    def get_urls(self):
        from office import views
        from reports.urls import admin_urls as report_urls

        def page(view):
            return self.admin_view(lambda request, **kwargs: view(self, request, **kwargs))

        return [
            path("office/book/", page(views.book), name="office_book"),
            path("office/clients/", page(views.client_search), name="office_client_search"),
            path("office/quote/", page(views.quote), name="office_quote"),
            path("office/calls/<int:pk>/top-up/", page(views.top_up), name="office_top_up"),
            *report_urls(self),
            *super().get_urls(),
        ]
