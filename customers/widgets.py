"""The customers app's dashboard widget: new customers, day by day."""

from datetime import datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from customers.models import Customer

NEW_CUSTOMERS_DAYS = 30
CHART_HEIGHT = 80
BAR_STEP = 10


def new_customers_context(request) -> dict:
    today = timezone.localdate()
    start = today - timedelta(days=NEW_CUSTOMERS_DAYS - 1)
    # An aware datetime (local midnight), not created_at__date: the index serves it.
    start_moment = timezone.make_aware(datetime.combine(start, time.min))
    per_day = dict(
        Customer.objects.filter(created_at__gte=start_moment)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(count=Count("id"))
        .values_list("day", "count")
    )
    days = [start + timedelta(days=offset) for offset in range(NEW_CUSTOMERS_DAYS)]
    counts = [per_day.get(day, 0) for day in days]
    highest = max(counts) or 1
    bars = []
    for position, (day, count) in enumerate(zip(days, counts, strict=True)):
        height = round(CHART_HEIGHT * count / highest)
        bars.append(
            {
                "day": day,
                "count": count,
                "x": position * BAR_STEP,
                "y": CHART_HEIGHT - height,
                "height": height,
            }
        )
    latest = Customer.objects.only("first_name", "last_name", "email", "created_at")[:5]
    return {
        "bars": bars,
        "total": sum(counts),
        "latest": latest,
        "chart_width": NEW_CUSTOMERS_DAYS * BAR_STEP,
        "chart_height": CHART_HEIGHT,
    }
