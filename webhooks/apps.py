from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Webhooks: an outbox of signed HTTP deliveries of ``core.events`` to the URLs
    Managers subscribe, sent and retried by a worker."""

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from webhooks.plugins import register

        register()
