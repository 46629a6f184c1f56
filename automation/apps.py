from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Funnels: named triggers start named actions."""

    name = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from automation.plugins import register

        register()
        from automation.reports import register as register_reports

        # The reports engine's "automation.funnels" source.
        register_reports()
