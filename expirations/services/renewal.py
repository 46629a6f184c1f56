"""Renewals: the period arithmetic, and what a paid order does to expirations.

Month and year periods keep the *anchor day* (the day of the month the expiry had
when it was set): 31 Jan + 1 month = 28 Feb (29 in a leap year), + 1 month = 31
Mar, never drifting to the 28th. Days and weeks are plain day counts.

``order_paid_apply`` runs inside the transaction that marks the order paid (from the
``selling.signals.order_paid`` receiver): a line that renews an expiration moves its
expiry, a line of a renewable product bought outright creates one. Each line acts
once, however often the signal arrives: its event (RENEWED or CREATED) names the
order line, unique in the database.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.automation_events import automation_event_send
from core.input import id_parse
from expirations.automation import expiration_payload
from expirations.models import Expiration, ExpirationEvent
from selling.models import Order, OrderLine, Product

logger = logging.getLogger(__name__)

RENEWS_TYPE = "expiration"
PeriodUnit = Product.PeriodUnit


def _day_in_month(year: int, month: int, day: int) -> date:
    """``day`` of the month, or the month's last day when it is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_period(
    start: date, count: int, unit: str, anchor_day: int | None = None
) -> date:
    """``start`` moved by ``count`` units (days, weeks, months or years).

    For months and years the result falls on ``anchor_day`` (default: ``start``'s
    day) where the target month has it, else on that month's last day.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if unit == PeriodUnit.DAYS:
        return start + timedelta(days=count)
    if unit == PeriodUnit.WEEKS:
        return start + timedelta(weeks=count)
    if unit not in (PeriodUnit.MONTHS, PeriodUnit.YEARS):
        raise ValueError(f"unknown period unit: {unit!r}")
    day = anchor_day or start.day
    if not 1 <= day <= 31:
        raise ValueError(f"anchor day out of range: {day}")
    months = count * 12 if unit == PeriodUnit.YEARS else count
    month_index = start.year * 12 + (start.month - 1) + months
    return _day_in_month(month_index // 12, month_index % 12 + 1, day)


def _keeps_anchor(unit: str) -> bool:
    return unit in (PeriodUnit.MONTHS, PeriodUnit.YEARS)


def first_period_dates(*, product: Product, start: date) -> tuple[date, int]:
    """The expiry date and anchor day of a new expiration of ``product`` from ``start``.

    One renewal period from ``start``; months and years keep ``start``'s day as the
    anchor (31 Jan + 1 month expires 28 Feb and renews to 31 Mar).
    """
    count = cast(int, product.renewal_period)  # set: a renewable product
    expiry = add_period(start, count, product.renewal_unit)
    return expiry, start.day if _keeps_anchor(product.renewal_unit) else expiry.day


def renewal_dates(
    expiration: Expiration, *, product: Product, units: int, paid_on: date
) -> tuple[date, int]:
    """The new expiry date and anchor day after paying ``units`` periods on ``paid_on``.

    From the current expiry if it has not passed on ``paid_on`` (the expiry day
    itself still counts), else from the payment date, which becomes the new anchor.
    """
    count = cast(int, product.renewal_period) * units  # set: a renewable product
    if expiration.expiry_date >= paid_on:
        anchor = expiration.anchor_day or expiration.expiry_date.day
        new_expiry = add_period(
            expiration.expiry_date, count, product.renewal_unit, anchor
        )
    else:
        anchor = paid_on.day
        new_expiry = add_period(paid_on, count, product.renewal_unit, anchor)
    if not _keeps_anchor(product.renewal_unit):
        anchor = new_expiry.day
    return new_expiry, anchor


def _order_note(order: Order) -> str:
    return _("Order %(number)s") % {"number": order.number}


def _line_done(line: OrderLine) -> bool:
    return ExpirationEvent.objects.filter(
        order_line_id=line.pk,
        kind__in=[ExpirationEvent.Kind.RENEWED, ExpirationEvent.Kind.CREATED],
    ).exists()


def _expiration_renew(
    expiration: Expiration, line: OrderLine, order: Order, paid_on: date
) -> ExpirationEvent:
    previous = expiration.expiry_date
    new_expiry, anchor = renewal_dates(
        expiration, product=line.product, units=line.quantity, paid_on=paid_on
    )
    expiration.expiry_date = new_expiry
    expiration.anchor_day = anchor
    expiration.renewal_count += 1
    expiration.last_renewed_on = paid_on
    # Paid for: a service cancelled meanwhile is running again.
    expiration.is_cancelled = False
    expiration.save(
        update_fields=[
            "expiry_date",
            "anchor_day",
            "renewal_count",
            "last_renewed_on",
            "is_cancelled",
            "updated_at",
        ]
    )
    event = ExpirationEvent.objects.create(
        expiration=expiration,
        customer_id=expiration.customer_id,
        kind=ExpirationEvent.Kind.RENEWED,
        note=_order_note(order),
        expiry_date=new_expiry,
        previous_expiry_date=previous,
        order_line_id=line.pk,
        user=order.placed_by,
    )
    # One per renewal: the order line renews once (its RENEWED event is unique).
    automation_event_send(
        "expiration.renewed",
        customer_id=expiration.customer_id,
        entry_key=f"expiration:{expiration.pk}:renewed:{line.pk}",
        payload={
            **expiration_payload(expiration.pk, new_expiry, expiration.product_id),
            "previous_expiry_date": previous.isoformat(),
            "order_id": order.pk,
        },
    )
    return event


def _expiration_create_from_line(
    line: OrderLine, order: Order, paid_on: date
) -> ExpirationEvent:
    product = line.product
    expiry, anchor = first_period_dates(product=product, start=paid_on)
    expiration = Expiration.objects.create(
        customer_id=order.customer_id,
        product=product,
        quantity=line.quantity,
        amount=line.line_total,
        start_date=paid_on,
        expiry_date=expiry,
        anchor_day=anchor,
        notes=_order_note(order),
    )
    return ExpirationEvent.objects.create(
        expiration=expiration,
        customer_id=expiration.customer_id,
        kind=ExpirationEvent.Kind.CREATED,
        note=_order_note(order),
        expiry_date=expiry,
        order_line_id=line.pk,
        user=order.placed_by,
    )


def _renewed_expiration(line: OrderLine, order: Order) -> Expiration | None:
    """The order's customer's expiration the line renews, locked; None if gone."""
    pk = id_parse(line.renews_id)
    if pk is None:
        return None
    return (
        Expiration.objects.select_for_update()
        .filter(pk=pk, customer_id=order.customer_id)
        .first()
    )


@transaction.atomic
def order_paid_apply(
    *, order: Order, paid_on: date | None = None
) -> list[ExpirationEvent]:
    """Renews or creates the expirations a paid order's lines pay for; each line once.

    ``paid_on`` defaults to the order's payment day (in ``TIME_ZONE``). A renewal
    line whose expiration was deleted meanwhile creates a new one: it was paid for.
    Returns the events recorded now (none when the order was applied before).
    """
    if order.status != Order.Status.PAID:
        raise ValidationError(_("This order is not paid."), code="not_paid")
    if paid_on is None:
        paid_on = (
            timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
        )
    events: list[ExpirationEvent] = []
    lines = order.lines.select_related("product").order_by("pk")
    for line in lines:
        renews = line.renews_type == RENEWS_TYPE
        if line.renews_type and not renews:
            continue
        if not line.product.is_renewable:
            if renews:
                logger.warning(
                    "Order line %s renews expiration %s with a product that has no "
                    "renewal period: nothing renewed.",
                    line.pk,
                    line.renews_id,
                )
            continue
        # Locked before the check, so two deliveries of the signal take turns.
        expiration = _renewed_expiration(line, order) if renews else None
        if _line_done(line):
            continue
        if expiration is not None:
            events.append(_expiration_renew(expiration, line, order, paid_on))
            continue
        if renews:
            logger.warning(
                "Order line %s renews expiration %s, which is not the customer's "
                "any more: a new expiration is created.",
                line.pk,
                line.renews_id,
            )
        events.append(_expiration_create_from_line(line, order, paid_on))
    return events


@transaction.atomic
def order_refund_apply(*, order: Order) -> list[ExpirationEvent]:
    """Takes back what a refunded order's lines did to expirations; each line once.

    A renewal is undone (the expiry goes back to where it was) when nothing moved
    the expiry since; otherwise the expiry is left as it is and the event says so,
    for staff to decide. An expiration the order created is cancelled.
    """
    events: list[ExpirationEvent] = []
    done = (
        ExpirationEvent.objects.filter(
            order_line_id__in=order.lines.values("pk"),
            kind__in=[ExpirationEvent.Kind.RENEWED, ExpirationEvent.Kind.CREATED],
        )
        .select_related("expiration")
        .order_by("pk")
    )
    for applied in done:
        expiration = Expiration.objects.select_for_update().get(
            pk=applied.expiration_id
        )
        if ExpirationEvent.objects.filter(
            order_line_id=applied.order_line_id, kind=ExpirationEvent.Kind.REFUNDED
        ).exists():
            continue
        note = _("Order %(number)s was refunded.") % {"number": order.number}
        previous = None
        if applied.kind == ExpirationEvent.Kind.CREATED:
            expiration.is_cancelled = True
            expiration.save(update_fields=["is_cancelled", "updated_at"])
            note = _("%(note)s The service it created is cancelled.") % {"note": note}
        elif expiration.expiry_date == applied.expiry_date:
            previous = expiration.expiry_date
            # A renewal event always records the expiry it replaced.
            previous_expiry = cast(date, applied.previous_expiry_date)
            expiration.expiry_date = previous_expiry
            expiration.anchor_day = previous_expiry.day
            expiration.renewal_count = max(expiration.renewal_count - 1, 0)
            expiration.save(
                update_fields=[
                    "expiry_date",
                    "anchor_day",
                    "renewal_count",
                    "updated_at",
                ]
            )
            note = _("%(note)s The renewal is taken back.") % {"note": note}
        else:
            note = _(
                "%(note)s The expiry changed since that renewal, so it was left as "
                "it is: check it."
            ) % {"note": note}
        events.append(
            ExpirationEvent.objects.create(
                expiration=expiration,
                customer_id=expiration.customer_id,
                kind=ExpirationEvent.Kind.REFUNDED,
                note=note[:500],
                expiry_date=expiration.expiry_date,
                previous_expiry_date=previous,
                order_line_id=applied.order_line_id,
            )
        )
    return events
