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
