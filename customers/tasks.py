"""Background work of the customers app. Tasks take ids and call one service."""

from celery import shared_task

# Import: under the broker's visibility timeout (1 hour), so a long import is never
# delivered to a second worker while the first still runs it.


@shared_task(time_limit=3500, soft_time_limit=3300)
def import_job_run_task(job_id: int) -> str:
    """Runs an import job; safe to run twice (a done job is left alone, a stopped
    one goes on after its last committed batch)."""
    from customers.services.imports import import_job_run

    return import_job_run(job_id=job_id).status
