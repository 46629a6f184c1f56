from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The reports engine, the staff report pages and saved reports."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from reports.widgets import register

        # The Reports menu's "Report builder" and the dashboard's pinned reports.
        register()
