"""What every service shares: scheduling a visit, ending a run, and the per-step
counters, each changed in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction
from django.db.models import F, Max

from automation.definition import wait_end
from automation.models import FunnelVersion, Run, StepCounter, StepVisit

# The visits cancelled while a tick's batch runs. A step's effect can fire an event
# (adding a tag fires "customer.tag_added") that takes a run to its goal, cancelling
# visits the batch has already claimed, even the one whose action fired it: the
# tick must not run them after that (see ``tick._batch_run``).
_cancelled_in_batch: ContextVar[set[int] | None] = ContextVar(
    "automation_cancelled_in_batch", default=None
)


@contextmanager
def cancellations_tracked() -> Iterator[set[int]]:
    """Collects the ids of the visits ``visits_cancel`` cancels inside the block.

    A cancellation later rolled back (in a step's savepoint) stays in the set: the
    visit it names is then left for the next tick, never run twice.
    """
    cancelled: set[int] = set()
    token = _cancelled_in_batch.set(cancelled)
    try:
        yield cancelled
    finally:
        _cancelled_in_batch.reset(token)


# The counters' changes of a tick's batch, written at its end (``counters_deferred``).
_deferred: ContextVar[dict[tuple[int, str], dict[str, int]] | None] = ContextVar(
    "automation_counters_deferred", default=None
)


@contextmanager
def counters_deferred() -> Iterator[None]:
    """Gathers the ``counters_add`` of the block and writes them at its end, one
    UPDATE per step, in (version, step) order.

    The counters are the rows every tick worker writes: written as they come, each
    batch would hold their locks from its first step to its commit, and the
    workers would take turns. Use ``counters_atomic`` for the savepoints inside.
    """
    pending: dict[tuple[int, str], dict[str, int]] = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    for (version_id, step_key), deltas in sorted(pending.items()):
        changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
        if changes:
            StepCounter.objects.filter(version_id=version_id, step_key=step_key).update(
                **changes
            )


@contextmanager
def counters_atomic() -> Iterator[None]:
    """A savepoint that also forgets the deferred counters' changes made inside it
    when it rolls back."""
    pending = _deferred.get()
    kept = {key: dict(deltas) for key, deltas in (pending or {}).items()}
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if pending is not None:
            pending.clear()
            pending.update(kept)
        raise


def counters_add(
    run: Run, step_key: str, *, version_id: int | None = None, **deltas: int
) -> None:
    """Adds ``deltas`` (entered=1, waiting=-1, ...) to a step's counters; a test
    run counts nowhere."""
    if run.is_test or not deltas:
        return
    pending = _deferred.get()
    if pending is not None:
        step = pending.setdefault((version_id or run.version_id, step_key), {})
        for name, delta in deltas.items():
            step[name] = step.get(name, 0) + delta
        return
    StepCounter.objects.filter(
        version_id=version_id or run.version_id, step_key=step_key
    ).update(**{name: F(name) + delta for name, delta in deltas.items()})


def counters_create(version: FunnelVersion) -> None:
    StepCounter.objects.bulk_create(
        StepCounter(version=version, step_key=step["key"])
        for step in version.definition["steps"]
    )


def visit_schedule(
    run: Run, step_key: str, now: datetime, *, version: FunnelVersion | None = None
) -> StepVisit:
    """The run's next visit of ``step_key``, due now (a wait: when it ends; in a
    test run, waits end at once)."""
    version = version or run.version
    step = version.step(step_key)
    assert step is not None, step_key
    due_at = now
    if step["kind"] == "wait" and not run.is_test:
        due_at = wait_end(step, now)
    previous = (
        StepVisit.objects.filter(run=run, step_key=step_key).aggregate(n=Max("visit"))[
            "n"
        ]
        or 0
    )
    visit = StepVisit.objects.create(
        run=run, step_key=step_key, visit=previous + 1, due_at=due_at
    )
    counters_add(run, step_key, version_id=version.pk, entered=1, waiting=1)
    return visit


def run_end(run: Run, state: str, now: datetime) -> None:
    run.state = state
    run.ended_at = now
    run.save(update_fields=["state", "ended_at"])


def visits_cancel(run: Run, now: datetime, *, reason: str) -> int:
    """Cancels the run's waiting visits (scheduled, or failed and waiting for
    staff); returns how many."""
    count = 0
    for visit in StepVisit.objects.select_for_update().filter(
        run=run, state__in=[StepVisit.State.SCHEDULED, StepVisit.State.FAILED]
    ):
        counter = "failed" if visit.state == StepVisit.State.FAILED else "waiting"
        visit.state = StepVisit.State.CANCELLED
        visit.finished_at = now
        visit.result = reason
        visit.save(update_fields=["state", "finished_at", "result"])
        counters_add(run, visit.step_key, **{counter: -1})
        count += 1
        tracked = _cancelled_in_batch.get()
        if tracked is not None:
            tracked.add(visit.pk)
    return count
