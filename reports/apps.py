from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboard widgets, grouped reports, CSV and PDF export."""

    name = "reports"
    verbose_name = _("Reports")
