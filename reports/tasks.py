from celery import shared_task

from reports.schedules import schedules_run_due


# Below the broker's visibility timeout (1 h), so a long run is not delivered twice.
@shared_task(time_limit=1800, soft_time_limit=1500)
def report_schedules_run_task() -> int:
    """E-mails the saved reports whose schedule is due (and catches up).

    Safe to run twice or concurrently: each period of a schedule is sent once,
    keyed ``report:<schedule>:<period>:<user>``. Returns how many e-mails it queued.
    """
    return sum(len(outcome.sent_to) for outcome in schedules_run_due())
