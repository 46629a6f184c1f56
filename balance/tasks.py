from celery import shared_task
from django.utils import timezone

from balance.services import gift_run_due


# Below the broker's visibility timeout (1 h), so a long run is not delivered twice.
@shared_task(time_limit=3000, soft_time_limit=2700)
def gifts_run_task() -> int:
    """Credits the periodic gifts due today (and any missed while beat was down).

    Safe to run twice or concurrently: each customer's gift for a period has one
    idempotency key. Returns how many gift periods it worked on.
    """
    return len(gift_run_due(today=timezone.localdate()))
