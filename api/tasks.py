from celery import shared_task

from api.services import idempotency_purge


@shared_task(time_limit=600, soft_time_limit=540)
def idempotency_purge_task() -> int:
    """Forgets old Idempotency-Keys (kept at least 24 hours). Safe to run twice."""
    return idempotency_purge()
