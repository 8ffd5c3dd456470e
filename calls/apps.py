from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self):
        # Statements (billing) name each call's member through calls' reader.
        from billing.statements import register_member_reader

        from .selectors import member_names_for_calls

        register_member_reader(member_names_for_calls)
