"""Placing an order: the cart becomes an order, the discount a hold on the balance.

All of it is one transaction: the order, its lines, the hold, the emptied cart and
the payment method's start. Any refusal (an inactive product, a discount the
balance no longer covers) leaves everything as it was.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.money import money_format
from customers.models import Customer
from selling.discounts import (
    balance_installed,
    balance_payment_enabled,
    discount_hold,
)
from selling.models import Cart, Order, OrderLine
from selling.payments import payment_method_get
from selling.services.cart import cart_for
from selling.services.notifications import order_received_notify

ZERO = Decimal("0.00")


@transaction.atomic
def order_place(
    *,
    customer: Customer,
    payment_method: str,
    idempotency_key: str,
    user=None,
) -> Order:
    """Turns the customer's cart into an order, with the discount chosen in the cart.

    The same ``idempotency_key`` again (a double click) returns the first order.
    When the discount covers the whole total, the order is paid at once whatever
    ``payment_method`` says.
    """
    if not idempotency_key:
        raise ValidationError(
            _("The form has expired: please try again."), code="no_key"
        )
    existing = Order.objects.filter(
        customer=customer, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing
    # The cart's row lock makes two checkouts of one cart take turns.
    cart = Cart.objects.select_for_update().get(pk=cart_for(customer).pk)
    existing = Order.objects.filter(
        customer=customer, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing
    lines = list(cart.lines.select_related("product"))
    if not lines:
        raise ValidationError(_("Your cart is empty."), code="empty_cart")
    inactive = [line.product.name for line in lines if not line.product.is_active]
    if inactive:
        raise ValidationError(
            _("No longer on sale, please remove from your cart: %(names)s.")
            % {"names": ", ".join(inactive)},
            code="inactive",
        )
    subtotal = sum((line.product.price * line.quantity for line in lines), ZERO)
    discount = cart.balance_discount if balance_installed() else ZERO
    if discount > ZERO and not balance_payment_enabled():
        raise ValidationError(
            _(
                "Paying with your balance is no longer available: remove the "
                "discount before placing the order."
            ),
            code="no_offer",
        )
    if discount > subtotal:
        raise ValidationError(
            _("The discount cannot be more than the total (%(total)s).")
            % {"total": money_format(subtotal)},
            code="above_total",
        )
    total_due = subtotal - discount
    method = payment_method_get("none" if total_due == ZERO else payment_method)
    if method is None or not method.is_available(total_due):
        raise ValidationError(_("Choose a payment method."), code="no_payment_method")
    order = Order.objects.create(
        customer=customer,
        payment_method=method.key,
        subtotal=subtotal,
        balance_discount=discount,
        total_due=total_due,
        idempotency_key=idempotency_key,
        placed_by=user,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            product_name=line.product.name,
            product_name_translations=line.product.name_translations,
            quantity=line.quantity,
            unit_price=line.product.price,
            line_total=line.product.price * line.quantity,
            renews_type=line.renews_type,
            renews_id=line.renews_id,
        )
        for line in lines
    )
    if discount > ZERO:
        order.balance_hold_id = discount_hold(order)
        order.save(update_fields=["balance_hold_id", "updated_at"])
    cart.lines.all().delete()
    cart.balance_discount = ZERO
    cart.save(update_fields=["balance_discount", "updated_at"])
    order_received_notify(order, method)
    method.start(order)
    order.refresh_from_db()
    return order
