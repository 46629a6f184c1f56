"""What selling adds to the customer area: the "Shop" and "My orders" menu entries."""

from django.utils.translation import gettext_lazy as _

from core import plugins


def register() -> None:
    plugins.account_menu.register(
        plugins.MenuEntry("shop", _("Shop"), "selling:account_shop", order=60)
    )
    plugins.account_menu.register(
        plugins.MenuEntry("orders", _("My orders"), "selling:account_orders", order=70)
    )
