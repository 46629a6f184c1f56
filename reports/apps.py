from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The reports engine, the staff report pages and saved reports."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import plugins
        from reports.widgets import register

        # The Reports menu's "Report builder" and the dashboard's pinned reports.
        register()
        # Managers change (and remove) the e-mail schedules of reports others saved.
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "reports.manager",
                "Manager",
                ("reports.view_reportschedule", "reports.change_reportschedule"),
            )
        )
