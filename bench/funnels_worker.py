"""The worker of ``bench_funnels --enrol-only``'s memory measure, started with
``spawn`` (a fresh interpreter, as a Celery worker is): its peak RSS is its own,
not the bench process's pages a fork would share. Nothing here imports Django
before ``django.setup()``."""

from __future__ import annotations

import resource
import time
import traceback


def _rss_mb() -> float:
    """This process's resident memory now (Linux: pages in /proc/self/statm)."""
    import os

    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """This process's peak resident memory since its ``exec`` (``VmHWM``): not
    ``getrusage``'s, which keeps the forking parent's peak across the exec (the
    bench process holding a million ids would count as the worker's)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backlog_worker(database_name: str, batch: int, ticks: int, results) -> None:
    """``ticks`` ticks of four batches each over the backlog, then one that only
    records the health; puts (RSS at start, peak RSS, steps, seconds per tick,
    seconds of the health-only tick) on ``results``."""
    try:
        import django

        django.setup()
        from django.db import connections

        # The parent's database (a test database under pytest), not the URL's.
        connections["default"].settings_dict["NAME"] = database_name
        from automation.services import funnels_tick

        connections["default"].ensure_connection()
        start_rss = _rss_mb()
        steps, seconds = 0, []
        for _n in range(ticks):
            started = time.perf_counter()
            steps += funnels_tick(batch=batch, limit=batch * 4).processed
            seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        funnels_tick(limit=0)  # the scans and the health record only
        health_seconds = time.perf_counter() - started
        peak = _peak_rss_mb()
        results.put((start_rss, peak, steps, seconds, health_seconds))
        connections.close_all()
    except BaseException:  # told to the parent, which would wait for ever
        results.put(traceback.format_exc())
        raise
