"""The Reports section's pages, mounted inside the office's admin site (config.admin)."""

from django.urls import path

from . import views


def admin_urls(site) -> list:
    """URLs for the admin site's get_urls(): each view gets the site for its
    header and menu; access is checked by reports.views.office_reader (duty
    managers too, who don't sign in to the rest of the admin)."""

    def page(view):
        return views.office_reader(lambda request, **kwargs: view(site, request, **kwargs))

    return [
        path("reports/", page(views.index), name="reports_index"),
        path("reports/<slug:slug>/", page(views.report), name="reports_report"),
    ]
