"""The dashboard widget "Balance": credits, debits and net of a period, per day.

What it measures is money that moved and stayed moved: an entry that was deleted
and its reversal (``entries_standing``, as on the customer's "My credits") are left
out of the figures and the chart. Two queries, whatever the ledger holds: the days
of the period, grouped, and the latest entries.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Abs, TruncDate
from django.utils import timezone

from balance.models import Entry
from balance.selectors import entries_standing

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
ZERO = Decimal("0.00")

# The chart's drawing, in SVG user units: the value axis's labels on the left, the
# days below, the bars in between (a credit and a debit bar per day).
PLOT_LEFT = 104
PLOT_TOP = 10
PLOT_WIDTH = 620
PLOT_HEIGHT = 130
AXIS_BELOW = 26
TICKS = 4
# About six day labels whatever the period: every day of 7, every 5th of 30, ...
DAY_LABELS = 6


def nice_step(highest: Decimal) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) so that ``TICKS``
    steps reach at least ``highest``."""
    if highest <= 0:
        return Decimal(1)
    rough = highest / TICKS
    power = Decimal(10) ** (rough.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if power * factor >= rough:
            return power * factor
    return power * 10  # pragma: no cover - the loop always returns


def value_axis(highest: Decimal) -> tuple[Decimal, list[dict]]:
    """The axis's top and its ticks (value and height), from zero to the first
    round value at or above the highest day."""
    step = nice_step(highest)
    steps = max(1, int((highest / step).to_integral_value(rounding=ROUND_CEILING)))
    top = step * steps
    ticks = []
    for index in range(steps + 1):
        value = step * index
        y = PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / top
        ticks.append({"value": value.normalize(), "y": round(float(y), 2)})
    return top, ticks


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
    rows = (
        entries_standing()
        .filter(created_at__gte=start_moment)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            credits=Sum("amount", filter=Q(amount__gt=0), default=ZERO),
            debits=Sum(Abs("amount"), filter=Q(amount__lt=0), default=ZERO),
            count=Count("id"),
        )
        .order_by()
    )
    per_day = {row["day"]: row for row in rows}
    empty = {"credits": ZERO, "debits": ZERO, "count": 0}
    days = [start + timedelta(days=offset) for offset in range(period)]
    figures = [per_day.get(day, empty) for day in days]
    credits = sum((row["credits"] for row in figures), ZERO)
    debits = sum((row["debits"] for row in figures), ZERO)
    highest = max(max(row["credits"], row["debits"]) for row in figures)
    top, ticks = value_axis(highest)
    slot = Decimal(PLOT_WIDTH) / period
    bar_width = slot * Decimal("0.4")
    label_every = max(1, period // DAY_LABELS)
    bars = []
    for position, (day, row) in enumerate(zip(days, figures, strict=True)):
        credit_height = PLOT_HEIGHT * row["credits"] / top
        debit_height = PLOT_HEIGHT * row["debits"] / top
        left = PLOT_LEFT + slot * position + slot * Decimal("0.1")
        bars.append(
            {
                "day": day,
                "credits": row["credits"],
                "debits": row["debits"],
                "x": round(float(left), 2),
                "debit_x": round(float(left + bar_width), 2),
                "credit_y": round(float(PLOT_TOP + PLOT_HEIGHT - credit_height), 2),
                "credit_height": round(float(credit_height), 2),
                "debit_y": round(float(PLOT_TOP + PLOT_HEIGHT - debit_height), 2),
                "debit_height": round(float(debit_height), 2),
                # The last day (today) is always labelled, then every n-th before.
                "label": (period - 1 - position) % label_every == 0,
                "label_x": round(float(left + bar_width), 2),
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
        "balance_bar_width": round(float(bar_width), 2),
        "balance_ticks": ticks,
        "balance_chart": {
            "width": PLOT_LEFT + PLOT_WIDTH + 8,
            "height": PLOT_TOP + PLOT_HEIGHT + AXIS_BELOW,
            "left": PLOT_LEFT,
            "right": PLOT_LEFT + PLOT_WIDTH,
            "bottom": PLOT_TOP + PLOT_HEIGHT,
            "top": PLOT_TOP,
            "tick_label_x": PLOT_LEFT - 6,
            "day_label_y": PLOT_TOP + PLOT_HEIGHT + 16,
            "axis_title_y": PLOT_TOP + PLOT_HEIGHT / 2,
        },
        "balance_currency": settings.CURRENCY,
        "balance_credits": credits,
        "balance_debits": debits,
        "balance_net": credits - debits,
        "balance_count": sum(row["count"] for row in figures),
        "balance_latest": latest,
    }
