"""What the shop offers funnels: "order paid" and "order refunded", and a
condition on the number of paid orders.

The triggers are fired by ``selling.services.orders`` inside the transaction that
changes the order's status, once per change (a second "mark paid" changes nothing
and fires nothing); the payload names the order and its products.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from core import plugins
from selling.models import Order, Product

MAX_ORDERS = 100_000


class ProductTriggerForm(forms.Form):
    """An optional product: only orders with it (empty: every order)."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        label=gettext_lazy("Product"),
        required=False,
        empty_label=gettext_lazy("Any product"),
    )

    def clean_product(self):
        product = self.cleaned_data["product"]
        return product.pk if product is not None else None


class OrdersCountForm(forms.Form):
    comparison = forms.ChoiceField(
        label=gettext_lazy("Paid orders"),
        choices=[
            ("at_least", gettext_lazy("At least")),
            ("fewer_than", gettext_lazy("Fewer than")),
        ],
    )
    count = forms.IntegerField(
        label=gettext_lazy("Number"), min_value=0, max_value=MAX_ORDERS
    )


def product_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    wanted = params.get("product")
    if wanted in (None, ""):
        return True
    return str(wanted) in {str(pk) for pk in payload.get("product_ids", [])}


def paid_orders_count(customer, params, context) -> bool:
    """ "selling.orders_count": the customer's paid orders (refunded ones do not
    count) are at least, or fewer than, the number."""
    paid = Order.objects.filter(customer_id=customer.pk, status=Order.Status.PAID)
    count = int(params["count"])
    if params.get("comparison") == "fewer_than":
        return paid.count() < count
    return paid.count() >= count


def register() -> None:
    """Called from ``SellingConfig.ready()``."""
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            "order.paid",
            gettext_lazy("Order paid"),
            description=gettext_lazy(
                "An order became paid (optionally: one with this product)."
            ),
            form_class=ProductTriggerForm,
            matches=product_matches,
            order=40,
        )
    )
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            "order.refunded",
            gettext_lazy("Order refunded"),
            description=gettext_lazy(
                "A paid order was refunded (optionally: one with this product)."
            ),
            form_class=ProductTriggerForm,
            matches=product_matches,
            order=41,
        )
    )
    plugins.automation_conditions.register(
        plugins.AutomationCondition(
            "selling.orders_count",
            gettext_lazy("Number of paid orders"),
            test=paid_orders_count,
            form_class=OrdersCountForm,
            order=40,
        )
    )
