"""Installs the operators' admin site (config.admin) as the default site.

Kept apart from config/admin.py: an AppConfig module is imported before the
app registry is ready, and the site's login form can't be imported that early.
"""

from django.contrib.admin.apps import AdminConfig


class OfficeAdminConfig(AdminConfig):
    default_site = "config.admin.OfficeAdminSite"
