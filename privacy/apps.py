from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """A person's data: export (GDPR art. 15/20) and erasure (art. 17)."""

    name = "privacy"
    verbose_name = _("Privacy")
