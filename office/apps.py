from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The operators' workplace: the front page, one-screen booking, the call's side panel."""

    name = "office"
    verbose_name = _("Office")
