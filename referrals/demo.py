"""Demo referrals, added by ``manage.py seed_demo`` (``core.plugins.demo_seeders``).

``demo_referrals_seed`` runs after the customers, their ledgers and the shop's
catalog. A few demo customers (without a login, taken in a fixed order so every
run picks the same ones) become referrers; each brings a few others through the
services, as the link would: their code's visits, ``referral_attach`` at sign-up,
an order placed and paid by bank transfer, which earns a pending commission. Then
each referred customer is taken to their commission's demo state:

- pending: left as it is, inside the refund window;
- available: credited to the referrer's ledger by ``commission_credit`` (the job's
  own service), its window first moved to now as if it had passed;
- reversed: credited the same way, then the order refunded (the reversal entry);
- cancelled: the order refunded inside the window;
- none: signed up and never ordered.

Every step looks at the state first (the referral, the order by its idempotency
key, the commission's status), so a second run adds nothing and an interrupted
one is finished. A demo customer who was referred by someone else, or already has
orders of their own, is left out, said so in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from customers.models import Customer
from referrals.models import Commission, Referral
from referrals.selectors import referrer_allowed
from referrals.services import (
    code_for,
    commission_credit,
    referral_attach,
    visit_record,
)
from selling.models import Order, Product
from selling.payments import BankTransfer
from selling.services import cart_add, order_confirm_payment, order_place, order_refund

PENDING = "pending"
AVAILABLE = "available"
REVERSED = "reversed"
CANCELLED = "cancelled"
NO_ORDER = ""
# The product the referred customers buy (selling's demo catalog), else the
# cheapest product on sale.
DEMO_PRODUCT = "Website audit"
PAYMENT_REFERENCE = "Bank transfer received (demo)"
REFUND_REASON = "Refunded (demo)"


# The commission's states from which a demo state is reached (none: no
# commission yet, always).
NEXT: dict[str, tuple[str, ...]] = {
    PENDING: (),
    AVAILABLE: (Commission.Status.PENDING,),
    REVERSED: (Commission.Status.PENDING, Commission.Status.AVAILABLE),
    CANCELLED: (Commission.Status.PENDING,),
}


@dataclass(frozen=True)
class DemoReferrer:
    visits: int
    referred: tuple[str, ...]  # each referred customer's commission state


DEMO_REFERRERS = (
    DemoReferrer(visits=14, referred=(AVAILABLE, AVAILABLE, PENDING, NO_ORDER)),
    DemoReferrer(visits=9, referred=(PENDING, REVERSED, CANCELLED)),
    DemoReferrer(visits=5, referred=(AVAILABLE, NO_ORDER)),
)


def order_key(referred: Customer) -> str:
    """The demo order's idempotency key: how a second run finds it."""
    return f"demo:referral:{referred.pk}"


def _candidates(customers: QuerySet[Customer]) -> list[Customer]:
    wanted = len(DEMO_REFERRERS) + sum(len(r.referred) for r in DEMO_REFERRERS)
    return list(
        customers.filter(user__isnull=True).exclude(email="").order_by("pk")[:wanted]
    )


def _product() -> Product | None:
    on_sale = Product.objects.filter(is_active=True)
    return (
        on_sale.filter(name__iexact=DEMO_PRODUCT).first()
        or on_sale.order_by("price", "pk").first()
    )


def _order_paid(referred: Customer, product: Product) -> Order:
    """The referred customer's demo order, placed and paid (all or nothing)."""
    key = order_key(referred)
    order = Order.objects.filter(customer=referred, idempotency_key=key).first()
    if order is None:
        with transaction.atomic():
            cart_add(customer=referred, product_id=product.pk, quantity=1)
            order = order_place(
                customer=referred,
                payment_method=BankTransfer.key,
                idempotency_key=key,
            )
    if order.status == Order.Status.PENDING:
        with transaction.atomic():
            order = order_confirm_payment(
                order_id=order.pk, reference=PAYMENT_REFERENCE
            )
    return order


def _credit(commission: Commission) -> None:
    """Credits the demo commission as the job would once its window passed."""
    if commission.status != Commission.Status.PENDING:
        return
    Commission.objects.filter(pk=commission.pk, available_at__gt=timezone.now()).update(
        available_at=timezone.now()
    )
    commission_credit(commission_id=commission.pk)


def _refund(order: Order) -> None:
    if order.status == Order.Status.PAID:
        with transaction.atomic():
            order_refund(order_id=order.pk, reason=REFUND_REASON)


def _state_reach(
    referred: Customer, state: str, product: Product, log: Callable[[str], None]
) -> bool:
    """Takes the referred customer's demo order and commission to ``state``;
    returns whether anything changed."""
    key = order_key(referred)
    if state == NO_ORDER:
        return False
    order = Order.objects.filter(customer=referred, idempotency_key=key).first()
    commission = Commission.objects.filter(order=order).first() if order else None
    if commission is not None and commission.status not in NEXT[state]:
        # There already, or somewhere this state is not reached from.
        return False
    if order is None and Order.objects.filter(customer=referred).exists():
        log(f"Referrals: {referred.email} already has orders, left out.")
        return False
    order = _order_paid(referred, product)
    commission = Commission.objects.filter(order=order).first()
    if commission is None:
        log(f"Referrals: order {order.number} earned no commission (the settings).")
        return False
    if state in (AVAILABLE, REVERSED):
        _credit(commission)
    if state in (REVERSED, CANCELLED):
        _refund(order)
    return True


def _referral_ensure(
    referrer: Customer, referred: Customer, log: Callable[[str], None]
) -> bool | None:
    """The referral of ``referred`` by ``referrer``: True when recorded now, False
    when it was there, None when the customer was referred by someone else or
    the service refused."""
    existing = Referral.objects.filter(referred=referred).first()
    if existing is not None:
        if existing.referrer_id == referrer.pk:
            return False
        log(f"Referrals: {referred.email} was referred by someone else, left out.")
        return None
    try:
        referral_attach(
            referred=referred, code=code_for(referrer).code, moment="signup"
        )
    except ValidationError as refusal:
        log(f"Referrals: {referred.email} left out: {' '.join(refusal.messages)}")
        return None
    return True


def demo_referrals_seed(
    customers: QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> int:
    """The demo referrers, their referred customers and the commissions in each
    state; returns the referrals and commission steps added (0 on a second run)."""
    candidates = _candidates(customers)
    product = _product()
    if len(candidates) < len(DEMO_REFERRERS) + 1 or product is None:
        log("Referrals: too few demo customers or no product on sale, left out.")
        return 0
    referrers, rest = (
        candidates[: len(DEMO_REFERRERS)],
        candidates[len(DEMO_REFERRERS) :],
    )
    added = referrals_added = 0
    for referrer, demo in zip(referrers, DEMO_REFERRERS, strict=True):
        if not referrer_allowed(referrer):
            log(f"Referrals: {referrer.email} may not refer (the settings), left out.")
            continue
        code = code_for(referrer)
        for state in demo.referred:
            if not rest:
                break
            referred = rest.pop(0)
            recorded = _referral_ensure(referrer, referred, log)
            if recorded is None:
                continue
            if recorded:
                referrals_added += 1
                # The link's visits that brought them (counted once, with it).
                for _visit in range(demo.visits // len(demo.referred)):
                    visit_record(code=code)
            if _state_reach(referred, state, product, log):
                added += 1
    log(
        f"Referrals: {referrals_added} referrals and {added} commissions added "
        f"or moved on."
    )
    return referrals_added + added
