"""Dashboard widgets: "Upcoming renewals" and "To do today".

Both read a narrow date range through a partial index (live expirations by expiry
date; open actions by due date), so they stay fast at a million rows: one count and
one short, limited list each.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Subquery, Sum
from django.utils import timezone

from customers.models import CustomerAction
from expirations.models import Expiration

UPCOMING_DAYS = 7
UPCOMING_LIMIT = 10
TODO_LIMIT = 15
ZERO = Decimal("0.00")


def _first(queryset: QuerySet, order: tuple[str, ...], limit: int) -> QuerySet:
    """The first ``limit`` rows in ``order``, picked before anything is joined.

    Ordered by the indexed date and then the id, PostgreSQL would otherwise join
    every row of the first date (hundreds at a million rows) before keeping ten.
    """
    first_ids = queryset.order_by(*order).values("pk")[:limit]
    return queryset.model.objects.filter(pk__in=Subquery(first_ids)).order_by(*order)


def upcoming_renewals(today):
    """Live expirations whose expiry is today or in the next ``UPCOMING_DAYS`` - 1."""
    return Expiration.objects.filter(
        is_cancelled=False,
        expiry_date__gte=today,
        expiry_date__lt=today + timedelta(days=UPCOMING_DAYS),
    )


def upcoming_renewals_context(request) -> dict:
    today = timezone.localdate()
    due = upcoming_renewals(today)
    totals = due.aggregate(count=Count("id"), amount=Sum("amount", default=ZERO))
    rows = list(
        _first(due, ("expiry_date", "id"), UPCOMING_LIMIT)
        .select_related("customer", "product")
        .only(
            "expiry_date",
            "amount",
            "item",
            "product__name",
            "product__name_translations",
            "customer__first_name",
            "customer__last_name",
            "customer__email",
        )
    )
    for expiration in rows:
        expiration.days_left_today = expiration.days_left(today)
    return {
        "upcoming_rows": rows,
        "upcoming_count": totals["count"],
        "upcoming_amount": totals["amount"],
        "upcoming_days": UPCOMING_DAYS,
        "upcoming_until": today + timedelta(days=UPCOMING_DAYS - 1),
    }


def actions_due_today(today):
    """Open actions of customer histories that are due ``today``."""
    return CustomerAction.objects.filter(due_date=today, done=False)


def todo_today_count() -> int:
    return actions_due_today(timezone.localdate()).count()


def todo_today_context(request) -> dict:
    today = timezone.localdate()
    due = actions_due_today(today)
    rows = list(
        _first(due, ("created_at", "id"), TODO_LIMIT)
        .select_related("customer")
        .only(
            "kind",
            "title",
            "due_date",
            "done",
            "customer__first_name",
            "customer__last_name",
            "customer__email",
        )
    )
    return {
        "todo_rows": rows,
        "todo_count": due.count(),
        "todo_limit": TODO_LIMIT,
        "can_mark_done": request.user.has_perm("customers.change_customeraction"),
    }
