from celery import shared_task

from automation.services.tick import funnels_tick


# Every minute from beat; below the broker's visibility timeout (1 h). A tick
# that ends early (limit) leaves the rest to the next minute's.
@shared_task(time_limit=600, soft_time_limit=540)
def funnels_tick_task() -> int:
    """Runs the due funnel steps; any number of workers may run it at once
    (SKIP LOCKED claims). Returns how many steps it processed."""
    return funnels_tick(limit=50_000).processed
