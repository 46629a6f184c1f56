"""The selling app's events for ``core.events`` (webhooks): ``order.paid`` and
``order.refunded``, with the order's lines and totals.

Built here, by the app that owns the order (amounts as strings, times in ISO
8601); nothing is built when nobody listens (``events_wanted`` first).
"""

from __future__ import annotations

from core.events import Event, events_publish, events_wanted
from customers.events import customer_event_summary
from selling.models import Order

ORDER_PAID = "order.paid"
ORDER_REFUNDED = "order.refunded"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def order_event_data(order: Order) -> dict:
    lines = list(order.lines.all())
    refunded = order.status == Order.Status.REFUNDED
    return {
        "order_id": order.pk,
        "number": order.number,
        "customer_id": order.customer_id,
        "customer": customer_event_summary(order.customer),
        "status": order.status,
        "payment_method": order.payment_method,
        "payment_reference": order.payment_reference,
        "lines": [
            {
                "product_id": line.product_id,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in lines
        ],
        "product_ids": sorted({line.product_id for line in lines}),
        "subtotal": str(order.subtotal),
        # The part the customer's balance paid; ``total_due`` is the rest.
        "balance_discount": str(order.balance_discount),
        "total_due": str(order.total_due),
        "placed_at": _iso(order.placed_at),
        "paid_at": _iso(order.paid_at),
        "refunded_at": _iso(order.refunded_at),
        # All of it: the balance part credited back, the rest returned outside.
        "refunded_amount": str(order.subtotal) if refunded else None,
        "refund_reason": order.cancel_reason if refunded else "",
    }


def order_event_publish(event_type: str, order: Order) -> None:
    """``order.paid`` or ``order.refunded`` for the order that just changed."""
    if not events_wanted(event_type):
        return
    events_publish(
        [
            Event(
                event_type,
                key=f"{event_type}:{order.pk}",
                data=order_event_data(order),
            )
        ]
    )
