from celery import shared_task

from webhooks.services import deliveries_send_due, webhooks_run


@shared_task(time_limit=120, soft_time_limit=100)
def webhooks_run_task() -> int:
    """Every minute: sends the due deliveries (retries included). Safe to run twice:
    each row is claimed before it is sent."""
    return webhooks_run(seconds=45).sent


@shared_task(time_limit=120, soft_time_limit=100)
def webhooks_send_due_task() -> int:
    """After a commit that wrote deliveries: sends one batch at once (low latency).
    A row already claimed by another worker is skipped."""
    return deliveries_send_due(limit=50).sent
