from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Signed webhooks (Standard Webhooks) to agencies' and the office's own systems."""

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the listeners)
