from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpirationsConfig(AppConfig):
    """Service expiry dates, renewals through checkout and reminders."""

    name = "expirations"
    verbose_name = _("Expirations")
