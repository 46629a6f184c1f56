from celery import shared_task
from django.utils import timezone

from referrals.services.commissions import commissions_credit_due


# Below the broker's visibility timeout (1 h), so a long run is not delivered twice.
@shared_task(time_limit=3000, soft_time_limit=2700)
def referrals_run_task() -> int:
    """Credits the commissions whose refund window ended (and any missed while
    beat was down). Safe to run twice or concurrently: each commission is credited
    under its order's ledger key. Returns how many it credited."""
    return len(commissions_credit_due(today=timezone.localdate()).credited)
