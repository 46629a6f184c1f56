from celery import shared_task
from django.utils import timezone

from expirations.services.jobs import expirations_run_due


# Below the broker's visibility timeout (1 h), so a long run is not delivered twice.
@shared_task(time_limit=3000, soft_time_limit=2700)
def expirations_run_task() -> int:
    """Sends the reminders and records the expiries due today (and catches up).

    Safe to run twice or concurrently: each reminder and expiry is keyed by the
    expiration, its expiry date and the offset. Returns how many e-mails it queued
    (reminders and expiries).
    """
    report = expirations_run_due(timezone.localdate())
    return report.reminders_sent + report.expired
