"""What selling adds to the customer area: the "Shop" and "My orders" menu entries
and the home page's "Recent orders" panel."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import plugins

HOME_ORDERS_SHOWN = 3


def recent_orders_home_context(request: HttpRequest) -> dict | None:
    """The customer's last orders (else no panel)."""
    from selling.models import Order

    orders = list(
        Order.objects.filter(customer=request.user.customer)[:HOME_ORDERS_SHOWN]  # type: ignore[union-attr]
    )
    return {"orders": orders} if orders else None


def register() -> None:
    plugins.account_menu.register(
        plugins.MenuEntry("shop", _("Shop"), "selling:account_shop", order=60)
    )
    plugins.account_menu.register(
        plugins.MenuEntry("orders", _("My orders"), "selling:account_orders", order=70)
    )
    plugins.account_home_panels.register(
        plugins.AccountHomePanel(
            "orders",
            "selling/account/home_panel.html",
            recent_orders_home_context,
            order=70,
        )
    )
