from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The office's reports: calls by outcome, money, interpreters, agencies, time to a call."""

    name = "reports"
    verbose_name = _("Reports")
