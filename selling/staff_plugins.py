"""What selling adds to the customer card, the timeline and the built-in roles."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy, ngettext

from core import plugins
from core.money import money_format
from selling.models import Order
from selling.timeline import order_timeline_source


def sidebar_purchases(customer) -> str:
    """Paid (and not refunded) orders: how many, and the revenue they brought."""
    figures = Order.objects.filter(
        customer_id=customer.pk, status=Order.Status.PAID
    ).aggregate(count=Count("id"), revenue=Sum("subtotal"))
    return ngettext(
        "%(count)s purchase, %(revenue)s",
        "%(count)s purchases, %(revenue)s",
        figures["count"],
    ) % {
        "count": figures["count"],
        "revenue": money_format(figures["revenue"] or Decimal("0.00")),
    }


def register_staff_pages() -> None:
    """The backoffice's menu entries, the card's Orders tab, the settings page."""
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "selling.orders",
            gettext_lazy("Orders"),
            "selling:staff_orders",
            permission="selling.view_order",
            order=40,
            group=plugins.STAFF_MENU_SALES,
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "selling.products",
            gettext_lazy("Products"),
            "selling:staff_products",
            permission="selling.view_product",
            order=41,
            group=plugins.STAFF_MENU_SALES,
        )
    )
    plugins.customer_tabs.register(
        plugins.CustomerTab(
            "orders",
            gettext_lazy("Orders"),
            "selling:staff_customer_orders",
            permission="selling.view_order",
            order=70,
        )
    )
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "selling",
            gettext_lazy("Selling"),
            "selling:staff_settings",
            permission="selling.change_sellingsettings",
            order=70,
        )
    )


def register() -> None:
    register_staff_pages()
    plugins.customer_sidebar.register(
        plugins.SidebarFigure(
            "purchases",
            gettext_lazy("Purchases"),
            sidebar_purchases,
            permission="selling.view_order",
            order=70,
        )
    )
    plugins.timeline_sources.register(
        plugins.TimelineSource(
            "selling",
            gettext_lazy("Orders"),
            order_timeline_source,
            permission="selling.view_order",
            order=50,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "selling.staff",
            "Staff",
            ("selling.view_order", "selling.view_product"),
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "selling.manager",
            "Manager",
            (
                "selling.view_order",
                "selling.manage_order",
                "selling.view_product",
                "selling.add_product",
                "selling.change_product",
                "selling.change_sellingsettings",
            ),
        )
    )
