from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The office's reports: calls by outcome, money, interpreters, agencies, time to a call."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from calls.signals import slot_search_unmet

        from .listeners import record_unmet_search

        slot_search_unmet.connect(record_unmet_search, dispatch_uid="reports.unmet_search")
