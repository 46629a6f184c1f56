"""The dashboard widget "Balance": credits and debits per day, totals, latest."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Abs, TruncDate
from django.utils import timezone

from balance.models import Entry

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
CHART_HEIGHT = 60
BAR_STEP = 8
BAR_WIDTH = 3
ZERO = Decimal("0.00")


def balance_widget_context(request) -> dict:
    try:
        period = int(request.GET.get("balance_period", DEFAULT_PERIOD))
    except (TypeError, ValueError):
        period = DEFAULT_PERIOD
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    today = timezone.localdate()
    start = today - timedelta(days=period - 1)
    # An aware moment, not created_at__date: the created_at index serves it.
    start_moment = timezone.make_aware(datetime.combine(start, time.min))
    entries = Entry.objects.filter(created_at__gte=start_moment)
    rows = (
        entries.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            credits=Sum("amount", filter=Q(amount__gt=0), default=ZERO),
            debits=Sum(Abs("amount"), filter=Q(amount__lt=0), default=ZERO),
        )
    )
    per_day = {row["day"]: (row["credits"], row["debits"]) for row in rows}
    totals = entries.aggregate(
        volume=Sum(Abs("amount"), default=ZERO), count=Count("id")
    )
    days = [start + timedelta(days=offset) for offset in range(period)]
    highest = max((max(per_day.get(day, (ZERO, ZERO))) for day in days), default=ZERO)
    highest = highest or Decimal(1)
    bars = []
    for position, day in enumerate(days):
        credits, debits = per_day.get(day, (ZERO, ZERO))
        credit_height = int(CHART_HEIGHT * credits / highest)
        debit_height = int(CHART_HEIGHT * debits / highest)
        bars.append(
            {
                "day": day,
                "credits": credits,
                "debits": debits,
                "x": position * BAR_STEP,
                "debit_x": position * BAR_STEP + BAR_WIDTH,
                "credit_y": CHART_HEIGHT - credit_height,
                "credit_height": credit_height,
                "debit_y": CHART_HEIGHT - debit_height,
                "debit_height": debit_height,
            }
        )
    latest = Entry.objects.select_related("customer").only(
        "amount",
        "kind",
        "created_at",
        "customer__first_name",
        "customer__last_name",
        "customer__email",
    )[:10]
    return {
        "balance_period": period,
        "balance_periods": PERIODS,
        "balance_bars": bars,
        "balance_chart_width": period * BAR_STEP,
        "balance_chart_height": CHART_HEIGHT,
        "balance_volume": totals["volume"],
        "balance_count": totals["count"],
        "balance_latest": latest,
    }
