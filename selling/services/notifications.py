"""The order e-mails: each once per order and event, in the customer's language;
the staff's copy in the site's language (``LANGUAGE_CODE``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.money import money_format
from core.services import email_queue
from core.site import absolute_url
from selling.models import Order, SellingSettings
from selling.payments import PaymentMethod


def _order_context(order: Order) -> dict:
    return {
        "name": order.customer.first_name,
        "number": order.number,
        "lines": [
            {
                "name": line.localized_product_name,
                "quantity": line.quantity,
                "total": money_format(line.line_total),
            }
            for line in order.lines.all()
        ],
        "subtotal": money_format(order.subtotal),
        "discount": money_format(order.balance_discount)
        if order.balance_discount
        else "",
        "total_due": money_format(order.total_due),
        "order_url": absolute_url(reverse("selling:account_order", args=[order.pk])),
    }


def order_received_notify(order: Order, method: PaymentMethod) -> None:
    """To the customer (with how to pay), and to the staff addresses in settings."""
    customer = order.customer
    language = customer.language or None
    with translation.override(language):
        context = {
            **_order_context(order),
            "payment_method": str(method.label),
            "instructions": method.instructions(order),
            "waits_for_payment": order.total_due > 0,
        }
    if customer.email:
        email_queue(
            event_key=f"selling.order_received:{order.pk}",
            to=customer.email,
            template="selling_order_received",
            context=context,
            language=language,
        )
    staff_addresses = SellingSettings.load().staff_notification_emails.split()
    if not staff_addresses:
        return
    # The staff read the products' own names and the method's label in the site's
    # language, whatever the customer's.
    with translation.override(settings.LANGUAGE_CODE):
        staff_context = {
            **_order_context(order),
            "payment_method": str(method.label),
            "customer": str(customer),
            "order_url": absolute_url(reverse("selling:staff_order", args=[order.pk])),
        }
    for address in staff_addresses:
        email_queue(
            event_key=f"selling.order_received.staff:{order.pk}:{address}",
            to=address,
            template="selling_order_received_staff",
            context=staff_context,
            language=settings.LANGUAGE_CODE,
        )


def order_paid_notify(order: Order) -> None:
    customer = order.customer
    if not customer.email:
        return
    language = customer.language or None
    with translation.override(language):
        context = _order_context(order)
    email_queue(
        event_key=f"selling.order_paid:{order.pk}",
        to=customer.email,
        template="selling_order_paid",
        context=context,
        language=language,
    )
