"""Orders in the customer's timeline: placed, paid, cancelled, refunded."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.money import money_format
from selling.models import Order

TIMELINE_LIMIT = 100

EVENT_KINDS = (
    ("order_placed", _("Order placed"), "placed_at"),
    ("order_paid", _("Order paid"), "paid_at"),
    ("order_cancelled", _("Order cancelled"), "cancelled_at"),
    ("order_refunded", _("Order refunded"), "refunded_at"),
)


class OrderTimelineSource:
    """One event per change of each order, newest first."""

    kind_choices = [(kind, label) for kind, label, _field in EVENT_KINDS]

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        wanted = [
            (kind, label, field)
            for kind, label, field in EVENT_KINDS
            if not kinds or kind in set(kinds)
        ]
        in_range = Q()
        for _kind, _label, field in wanted:
            condition = Q(**{f"{field}__isnull": False})
            if since is not None:
                condition &= Q(**{f"{field}__gte": since})
            if until is not None:
                condition &= Q(**{f"{field}__lt": until})
            in_range |= condition
        if not wanted:
            return
        limit = limit or TIMELINE_LIMIT + 1
        orders = Order.objects.filter(in_range, customer=customer).order_by(
            "-updated_at", "-id"
        )[:limit]
        events = []
        for order in orders:
            for kind, label, field in wanted:
                when = getattr(order, field)
                if when is None:
                    continue
                if (since is not None and when < since) or (
                    until is not None and when >= until
                ):
                    continue
                events.append(
                    plugins.TimelineEvent(
                        when=when,
                        kind=kind,
                        title=gettext("%(what)s %(number)s: %(total)s")
                        % {
                            "what": label,
                            "number": order.number,
                            "total": money_format(order.subtotal),
                        },
                        body=order.cancel_reason
                        if kind in {"order_cancelled", "order_refunded"}
                        else "",
                        url=reverse("selling:staff_order", args=[order.pk]),
                        source="selling",
                    )
                )
        events.sort(key=lambda event: event.when, reverse=True)
        yield from events[:limit]


order_timeline_source = OrderTimelineSource()
