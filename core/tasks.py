from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core import services
from core.models import SentEmail


@shared_task(
    bind=True,
    max_retries=services.EMAIL_MAX_ATTEMPTS,
    time_limit=120,
    soft_time_limit=100,
)
def email_deliver_task(self, sent_email_id: int) -> bool:
    outcome = services.email_deliver(sent_email_id=sent_email_id)
    if outcome.retry:
        raise self.retry(countdown=min(60 * (self.request.retries + 1), 600))
    return outcome.sent


@shared_task(time_limit=600, soft_time_limit=540)
def email_deliver_many_task(sent_email_ids: list[int]) -> int:
    """Delivers e-mails queued together (``email_queue_many``), one after the other.

    One that fails stays queued and ``email_flush_queued_task`` tries it again.
    """
    return sum(
        services.email_deliver(sent_email_id=sent_email_id).sent
        for sent_email_id in sent_email_ids
    )


@shared_task(time_limit=300)
def email_flush_queued_task() -> int:
    """Delivers e-mails left queued (a broker outage at commit, a lost retry)."""
    stale = timezone.now() - timedelta(minutes=10)
    ids = list(
        SentEmail.objects.filter(
            status=SentEmail.Status.QUEUED, created_at__lt=stale
        ).values_list("pk", flat=True)[:1000]
    )
    for sent_email_id in ids:
        services.email_deliver(sent_email_id=sent_email_id)
    return len(ids)
