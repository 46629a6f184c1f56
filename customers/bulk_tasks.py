"""Background work of the customer list's bulk actions (imported by the app config).

Each task runs one ``BulkJob`` (``customers.services.bulk_jobs``); the bulk services
are idempotent, so running a task twice, or again after a worker died, changes
nothing more.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from customers.models import BulkJob
from customers.services.bulk_jobs import bulk_job_run


@shared_task(time_limit=3600, soft_time_limit=3500)
def customers_bulk_job_task(job_id: int) -> int:
    """Runs a bulk action recorded by the list; returns how many customers changed."""
    job = bulk_job_run(job_id)
    return job.changed if job is not None else 0


def _job_run_now(action: str, target_value: str, query_string: str, actor_id: int):
    actor = get_user_model().objects.filter(pk=actor_id).first()
    job = BulkJob.objects.create(
        action=action,
        target_value=target_value,
        target_label=target_value,
        query_string=query_string,
        created_by=actor,
    )
    finished = bulk_job_run(job.pk)
    return finished.changed if finished is not None else 0


# The two tasks of earlier releases, for messages still queued when a site upgrades:
# each records its work as a job and runs it at once.


@shared_task(time_limit=3600, soft_time_limit=3500)
def customers_bulk_apply_task(
    action: str, target_id: int, query_string: str, actor_id: int
) -> int:
    return _job_run_now(action, str(target_id), query_string, actor_id)


@shared_task(time_limit=3600, soft_time_limit=3500)
def customers_bulk_plugin_task(
    action: str, target_value: str, query_string: str, actor_id: int
) -> int:
    return _job_run_now(action, target_value, query_string, actor_id)
