"""Selling's business rules: the cart, placing an order, and the order's life."""

from selling.services.cart import (
    cart_add,
    cart_discount_set,
    cart_for,
    cart_line_remove,
    cart_line_set_quantity,
    cart_summary,
)
from selling.services.checkout import order_place
from selling.services.orders import (
    order_cancel,
    order_confirm_payment,
    order_refund,
)

__all__ = [
    "cart_add",
    "cart_discount_set",
    "cart_for",
    "cart_line_remove",
    "cart_line_set_quantity",
    "cart_summary",
    "order_cancel",
    "order_confirm_payment",
    "order_place",
    "order_refund",
]
