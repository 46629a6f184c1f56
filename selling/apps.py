from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellingConfig(AppConfig):
    """Products, cart, checkout and orders; the balance and expirations plug in."""

    name = "selling"
    verbose_name = _("Selling")

    def ready(self):
        from selling.staff_plugins import register

        register()
        from selling.account_plugins import register as register_account_pages

        register_account_pages()
        from selling.automation import register as register_automation

        # Funnels: "order paid" / "order refunded" and the orders condition.
        register_automation()
        from core import plugins
        from selling.demo import demo_selling_seed

        # manage.py seed_demo: the demo catalog and the demo customer's orders, after
        # the balance's ledger (an order is paid partly with the balance).
        plugins.demo_seeders.register(
            plugins.DemoSeeder("selling.shop", demo_selling_seed, order=70)
        )
        from selling.reports import register as register_reports

        # The reports engine's "orders" source.
        register_reports()
