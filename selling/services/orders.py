"""An order's life after checkout: paid, cancelled, refunded; each change once.

Each function locks the order's row first, then (through the balance module) the
customer's: the same order everywhere, so two of them never deadlock. Asking for a
change that already happened (a second "mark paid", a retried webhook) returns
the order unchanged.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.automation_events import automation_event_send
from core.input import id_parse
from selling.discounts import discount_post, discount_refund, discount_release
from selling.events import order_event_publish
from selling.models import Order
from selling.services.notifications import order_paid_notify
from selling.signals import order_paid, order_refunded

ZERO = Decimal("0.00")


def _order_trigger_send(trigger: str, order: Order) -> None:
    """Tells the funnels (and the webhooks, with the order's data) the order was
    paid (or refunded), once: only the call that changed its status gets here,
    inside the same transaction."""
    product_ids = sorted(set(order.lines.values_list("product_id", flat=True)))
    automation_event_send(
        trigger,
        customer_id=order.customer_id,
        entry_key=f"{trigger}:{order.pk}",
        payload={
            "order_id": order.pk,
            "product_ids": product_ids,
            "total_due": str(order.total_due),
        },
    )
    order_event_publish(trigger, order)


def _order_locked(order_id) -> Order:
    pk = id_parse(order_id)
    order = (
        Order.objects.select_for_update().filter(pk=pk).first()
        if pk is not None
        else None
    )
    if order is None:
        raise ValidationError(_("This order does not exist."), code="no_order")
    return order


@transaction.atomic
def order_confirm_payment(*, order_id, reference: str = "", user=None) -> Order:
    """The money arrived: the order becomes paid and ``order_paid`` is sent, once.

    The balance discount is spent now; if the balance no longer covers it (staff
    debited it meanwhile), nothing changes and the refusal says why.
    """
    order = _order_locked(order_id)
    if order.status == Order.Status.PAID:
        return order
    if order.status != Order.Status.PENDING:
        raise ValidationError(
            _("This order is %(status)s: it cannot be paid.")
            % {"status": order.get_status_display().lower()},
            code="not_pending",
        )
    if order.balance_hold_id:
        try:
            discount_post(order, user)
        except ValidationError as refusal:
            if refusal.code == "insufficient":
                raise ValidationError(
                    _(
                        "The customer's balance no longer covers the discount of "
                        "this order: %(reason)s Cancel the order and place it again."
                    )
                    % {"reason": " ".join(refusal.messages)},
                    code="insufficient",
                ) from refusal
            raise
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.payment_reference = reference[:200]
    order.save(update_fields=["status", "paid_at", "payment_reference", "updated_at"])
    order_paid.send(sender=Order, order=order)
    _order_trigger_send("order.paid", order)
    order_paid_notify(order)
    return order


@transaction.atomic
def order_cancel(*, order_id, reason: str = "", user=None) -> Order:
    """A pending order is cancelled (or its payment failed): the hold is released."""
    order = _order_locked(order_id)
    if order.status == Order.Status.CANCELLED:
        return order
    if order.status != Order.Status.PENDING:
        raise ValidationError(
            _("Only a pending order can be cancelled; a paid one is refunded."),
            code="not_pending",
        )
    if order.balance_hold_id:
        discount_release(order)
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason[:500]
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    return order


@transaction.atomic
def order_refund(*, order_id, reason: str = "", user=None) -> Order:
    """A paid order is refunded: the balance part is credited back, once.

    The part paid by transfer or card is returned outside Clientela; the order
    records that it was refunded and why.
    """
    order = _order_locked(order_id)
    if order.status == Order.Status.REFUNDED:
        return order
    if order.status != Order.Status.PAID:
        raise ValidationError(_("Only a paid order can be refunded."), code="not_paid")
    if order.balance_discount > ZERO:
        discount_refund(order, user)
    order.status = Order.Status.REFUNDED
    order.refunded_at = timezone.now()
    order.cancel_reason = reason[:500]
    order.save(update_fields=["status", "refunded_at", "cancel_reason", "updated_at"])
    order_refunded.send(sender=Order, order=order)
    _order_trigger_send("order.refunded", order)
    return order
