"""The balance's dashboard report: a built-in saved report on
``balance.movements`` (credits, debits, net and operations per day of the last
30 days, deleted operations and their reversals left out), drawn by the reports
engine's pinned-report widget, pinned by default for staff who may see the
balance. Under it, the latest operations that still count.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from balance.models import Entry
from balance.selectors import entries_standing
from core.reporting import ReportPreset

RECENT_OPERATIONS = 10


def recent_operations() -> QuerySet[Entry]:
    """The latest entries that still count: a deleted operation and its
    reversal are left out, as from the report above them. One query."""
    return (
        entries_standing()
        .select_related("customer")
        .only(
            "amount",
            "kind",
            "created_at",
            "customer__first_name",
            "customer__last_name",
            "customer__email",
        )
        .order_by("-created_at", "-pk")[:RECENT_OPERATIONS]
    )


def recent_operations_context(request) -> dict | None:
    latest = list(recent_operations())
    return {"latest": latest} if latest else None


DASHBOARD_PRESET = ReportPreset(
    "dashboard",
    _("Balance, last 30 days"),
    {
        "rows": ["day"],
        "measures": ["credits", "debits", "net", "count"],
        "period": ["last_30_days"],
        "chart": ["bar"],
    },
    dashboard=True,
    extra_template="balance/widgets/recent_operations.html",
    extra_context=recent_operations_context,
)
