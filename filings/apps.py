from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Filings to regulators")

    def ready(self):
        from audit.actions import actions_register

        from . import audit_actions

        actions_register(audit_actions.Action)
