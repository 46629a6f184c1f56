from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpirationsConfig(AppConfig):
    """Service expiry dates, renewals through checkout and reminders."""

    name = "expirations"
    verbose_name = _("Expirations")

    def ready(self):
        from core import plugins
        from expirations.receivers import order_paid_received, order_refunded_received
        from expirations.timeline import expiration_timeline_source
        from selling.signals import order_paid, order_refunded

        order_paid.connect(
            order_paid_received, dispatch_uid="expirations.order_paid_received"
        )
        order_refunded.connect(
            order_refunded_received, dispatch_uid="expirations.order_refunded_received"
        )
        plugins.timeline_sources.register(
            plugins.TimelineSource(
                "expirations",
                _("Expirations"),
                expiration_timeline_source,
                permission="expirations.view_expiration",
                order=60,
            )
        )
        from expirations.automation import register as register_automation

        # Funnels: expired / expiring / renewed, the services' conditions and
        # {expiry_date}, {product}, {renew_url}.
        register_automation()
        plugins.account_menu.register(
            plugins.MenuEntry(
                "expirations",
                _("My expirations"),
                "expirations:account_list",
                order=60,
            )
        )
        from expirations.account_home import next_renewal_home_context

        plugins.account_home_panels.register(
            plugins.AccountHomePanel(
                "next_renewal",
                "expirations/account/home_panel.html",
                next_renewal_home_context,
                order=60,
            )
        )
        # Staff pages: card tab, list column, widgets, report, settings, roles.
        from expirations.staff_plugins import register as register_staff_pages

        register_staff_pages()
        from expirations.demo import demo_expirations_seed

        # manage.py seed_demo: services and their expiry dates, after the shop's
        # demo catalog (most of them are its products).
        plugins.demo_seeders.register(
            plugins.DemoSeeder("expirations.services", demo_expirations_seed, order=80)
        )
        from expirations.reports.source import register as register_reports

        # The reports engine's "expirations" source (the report page stays).
        register_reports()
