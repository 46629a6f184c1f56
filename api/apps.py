from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The integration API (/api/v1/): scoped keys, idempotent writes, JSON errors."""

    name = "api"
    verbose_name = _("API")

    def ready(self):
        from api.plugins import register

        register()
