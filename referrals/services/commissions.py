"""Commissions: created when a referred customer's order is paid, credited to the
referrer once the refund window ends, cancelled or reversed by a refund.

``commission_on_order_paid`` and ``commission_on_order_refunded`` run inside the
selling app's transaction (its signals). ``commissions_credit_due(today=...)`` is
what the beat task and ``manage.py run_referrals`` call, as often as they like:
it selects the pending commissions whose window ended by ``today`` (so it catches
up after downtime) and credits each in its own transaction, under the ledger key
``referral:order:<order id>``: a second run, or two at once, credit nothing twice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from balance.models import Entry, SourceType
from balance.services.ledger import Author, SourceRef, balance_credit, entry_reverse
from balance.services.notifications import customer_notify
from core.automation_events import automation_event_send
from core.money import quantize
from core.services import supported_language
from referrals.events import commission_available_publish
from referrals.models import (
    Commission,
    CommissionType,
    ProductCommission,
    Referral,
    ReferralSettings,
)
from selling.models import Order

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
AUTHOR_LABEL = "Referral programme"
PENDING_TEMPLATE = "referral_commission_pending"
AVAILABLE_TEMPLATE = "referral_commission_available"


def months_after(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` later, on the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def commission_amount(order: Order, rules: ReferralSettings) -> tuple[Decimal, Decimal]:
    """(what the customer paid that counts, the commission), rounded to cents.

    Each line earns its product's own commission if it has one (a percentage of
    the line's paid part, or a fixed amount per unit), else the settings'
    percentage of it; with a fixed commission in the settings, the lines without
    their own earn that amount once for the order. The part paid with the balance
    is left out, spread over the lines, when the settings say so.
    """
    base = order.total_due if rules.exclude_balance else order.subtotal
    share = (
        order.total_due / order.subtotal
        if rules.exclude_balance and order.subtotal > 0
        else Decimal(1)
    )
    lines = list(order.lines.all())
    own = {
        rate.product_id: rate
        for rate in ProductCommission.objects.filter(
            product_id__in={line.product_id for line in lines}
        )
    }
    raw = Decimal(0)
    fixed_once = False
    for line in lines:
        paid = line.line_total * share
        rate = own.get(line.product_id)
        if rate is not None:
            if rate.commission_type == CommissionType.PERCENT:
                raw += paid * rate.value / HUNDRED
            else:
                raw += rate.value * line.quantity
        elif rules.commission_type == CommissionType.PERCENT:
            raw += paid * rules.commission_percent / HUNDRED
        else:
            fixed_once = True
    if fixed_once:
        raw += rules.commission_fixed
    return quantize(base), quantize(raw)


def _in_scope(order: Order, referral: Referral, rules: ReferralSettings) -> bool:
    paid_at = order.paid_at or timezone.now()
    if paid_at < referral.created_at:
        return False
    if rules.scope == ReferralSettings.Scope.FIRST_ORDER:
        earlier = (
            Order.objects.filter(
                customer_id=order.customer_id,
                paid_at__isnull=False,
                paid_at__lte=paid_at,
            )
            .exclude(pk=order.pk)
            .exists()
        )
        return not earlier
    return paid_at < months_after(referral.created_at, rules.scope_months)


def commission_on_order_paid(*, order: Order) -> Commission | None:
    """A pending commission for the referrer, if the order is inside the rules.

    Runs in the paying transaction; the order's commission is created once (a
    second delivery finds it). None when the customer was not referred, the order
    is outside the rules, or the commission would be zero.
    """
    referral = (
        Referral.objects.select_related("referrer")
        .filter(referred_id=order.customer_id, referrer__isnull=False)
        .first()
    )
    if referral is None or referral.referrer is None:
        return None
    existing = Commission.objects.filter(order=order).first()
    if existing is not None:
        return existing
    rules = ReferralSettings.load()
    if not _in_scope(order, referral, rules):
        return None
    base, amount = commission_amount(order, rules)
    if amount <= 0:
        return None
    paid_at = order.paid_at or timezone.now()
    commission = Commission.objects.create(
        referral=referral,
        referrer=referral.referrer,
        order=order,
        amount=amount,
        base_amount=base,
        available_at=paid_at + timedelta(days=rules.refund_window_days),
    )
    referrer = referral.referrer
    with translation.override(supported_language(referrer.language)):
        available_on = date_format(
            timezone.localtime(commission.available_at).date(), "DATE_FORMAT"
        )
    customer_notify(
        referrer,
        event_key=f"referral.commission_pending:{commission.pk}",
        template=PENDING_TEMPLATE,
        context={"amount": amount, "available_on": available_on},
    )
    return commission


def commission_on_order_refunded(*, order: Order) -> Commission | None:
    """A refund cancels the order's commission while it is pending; once
    credited, it posts the reversal (the referrer may go below zero)."""
    commission = (
        Commission.objects.select_for_update()
        .select_related("referrer")
        .filter(order=order)
        .first()
    )
    if commission is None:
        return None
    now = timezone.now()
    if commission.status == Commission.Status.PENDING:
        commission.status = Commission.Status.CANCELLED
        commission.cancelled_at = now
        commission.save(update_fields=["status", "cancelled_at"])
    elif commission.status == Commission.Status.AVAILABLE and commission.entry_id:
        with translation.override(supported_language(commission.referrer.language)):
            reason = _("Order %(order)s was refunded.") % {"order": order.number}
        reversal = entry_reverse.in_transaction(
            entry_id=commission.entry_id,
            reason=reason,
            author=Author.system(AUTHOR_LABEL, debt_allowed=True),
            owner=SourceType.REFERRAL_COMMISSION,
        )
        commission.status = Commission.Status.REVERSED
        commission.reversed_at = now
        commission.reversal_entry = reversal
        commission.save(update_fields=["status", "reversed_at", "reversal_entry"])
    return commission


@transaction.atomic(durable=True)
def commission_credit(*, commission_id: int) -> Commission | None:
    """Credits one due commission to its referrer, once; None if it was not
    pending any more (credited by another run, cancelled)."""
    commission = (
        Commission.objects.select_for_update()
        .select_related("referrer", "order")
        .filter(pk=commission_id, status=Commission.Status.PENDING)
        .first()
    )
    if commission is None:
        return None
    if commission.order.status != Order.Status.PAID:
        commission.status = Commission.Status.CANCELLED
        commission.cancelled_at = timezone.now()
        commission.save(update_fields=["status", "cancelled_at"])
        return None
    referrer = commission.referrer
    with translation.override(supported_language(referrer.language)):
        note = _("Referral commission on order %(order)s") % {
            "order": commission.order.number
        }
    entry = balance_credit.in_transaction(
        customer_id=referrer.pk,
        amount=commission.amount,
        author=Author.system(AUTHOR_LABEL),
        idempotency_key=f"referral:order:{commission.order_id}",
        note=note,
        kind=Entry.Kind.REFERRAL,
        source=SourceRef(SourceType.REFERRAL_COMMISSION, commission.pk),
    )
    commission.status = Commission.Status.AVAILABLE
    commission.entry = entry
    commission.credited_at = timezone.now()
    commission.save(update_fields=["status", "entry", "credited_at"])
    customer_notify(
        referrer,
        event_key=f"referral.commission_available:{commission.pk}",
        template=AVAILABLE_TEMPLATE,
        context={"amount": commission.amount, "balance": entry.balance_after},
    )
    automation_event_send(
        "referral.commission_available",
        customer_id=referrer.pk,
        entry_key=f"referral.commission_available:{commission.pk}",
        payload={
            "commission_id": commission.pk,
            "order_id": commission.order_id,
            "amount": str(commission.amount),
        },
    )
    commission_available_publish(commission)
    return commission


@dataclass
class CreditReport:
    day: date
    credited: list[Commission] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.credited), ZERO)


def commissions_credit_due(*, today: date) -> CreditReport:
    """Credits every pending commission whose window ended by the end of ``today``.

    Top-level: each commission commits on its own, so it must not run inside a
    transaction. Returns what it credited.
    """
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    report = CreditReport(day=today)
    due = (
        Commission.objects.filter(
            status=Commission.Status.PENDING, available_at__lt=end
        )
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)
    )
    for commission_id in list(due):
        commission = commission_credit(commission_id=commission_id)
        if commission is not None:
            report.credited.append(commission)
    return report
