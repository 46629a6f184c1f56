"""A tick batch's writes, gathered while its visits run and written at once, in
the batch's transaction: the visits' new states, the runs that ended, the next
visits (one bulk insert) and the per-step counters (one UPDATE per step).

Each visit's effect runs in its own savepoint; what the visit then changes is
recorded here only once that savepoint is released, so a step that fails leaves
nothing behind and the others keep theirs. Everything commits together with the
effects, or not at all. Before a visit of a customer with writes still pending,
the batch writes them (``flush``): an event of that customer's step (a goal, an
enrolment) then sees their runs as they are.

The counters are written last, in (version, step) order: they are the rows two
workers share, so they are locked only for the end of each batch, always in the
same order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import F, Max

from automation.definition import wait_end
from automation.models import FunnelVersion, Run, StepCounter, StepVisit

VISIT_FIELDS = ["state", "result", "error", "attempts", "started_at", "finished_at"]


class BatchWrites:
    """The pending writes of one batch (see the module docstring)."""

    def __init__(self) -> None:
        self.versions: dict[int, FunnelVersion] = {}
        self.steps: dict[int, dict[str, dict]] = {}
        self.finished: list[StepVisit] = []
        self.ended: list[Run] = []
        self.following: list[tuple[Run, str, datetime]] = []
        self.counters: defaultdict[tuple[int, str], Counter] = defaultdict(Counter)
        self.customers: set[int] = set()

    def versions_load(self, runs: list[Run]) -> None:
        """Each version of the batch read once, its steps indexed by key."""
        wanted = {run.version_id for run in runs} - set(self.versions)
        for version in FunnelVersion.objects.filter(pk__in=wanted):
            self.versions[version.pk] = version
            self.steps[version.pk] = {
                step["key"]: step for step in version.definition.get("steps", [])
            }
        for run in runs:
            run.version = self.versions[run.version_id]

    def step(self, run: Run, key: str) -> dict | None:
        return self.steps[run.version_id].get(key)

    def count(self, run: Run, step_key: str, **deltas: int) -> None:
        if not run.is_test:
            self.counters[(run.version_id, step_key)].update(deltas)

    def visit_finished(self, visit: StepVisit) -> None:
        self.finished.append(visit)
        self.customers.add(visit.run.customer_id)

    def run_ended(self, run: Run, state: str, when: datetime) -> None:
        run.state = state
        run.ended_at = when
        self.ended.append(run)

    def visit_next(self, run: Run, step_key: str, when: datetime) -> None:
        """As ``steps.visit_schedule``: the run's next visit of ``step_key``."""
        assert self.step(run, step_key) is not None, step_key
        self.following.append((run, step_key, when))
        self.count(run, step_key, entered=1, waiting=1)

    def pending_for(self, customer_id: int) -> bool:
        return customer_id in self.customers

    def flush(self) -> None:
        """Writes the visits, runs and next visits gathered so far."""
        if self.finished:
            _rows_update(StepVisit, self.finished, VISIT_FIELDS)
        if self.ended:
            _rows_update(Run, self.ended, ["state", "ended_at"])
        if self.following:
            StepVisit.objects.bulk_create(self._visits_new())
        self.finished, self.ended, self.following = [], [], []
        self.customers.clear()

    def _visits_new(self) -> list[StepVisit]:
        pairs = {(run.pk, key) for run, key, _when in self.following}
        numbers: dict[tuple[int, str], int] = {
            (row["run_id"], row["step_key"]): row["n"]
            for row in StepVisit.objects.filter(
                run_id__in=[run_id for run_id, _key in pairs],
                step_key__in={key for _run_id, key in pairs},
            )
            .values("run_id", "step_key")
            .annotate(n=Max("visit"))
        }
        visits = []
        for run, key, when in self.following:
            number = numbers.get((run.pk, key), 0) + 1
            numbers[(run.pk, key)] = number
            step = self.step(run, key) or {}
            due_at = when
            if step.get("kind") == "wait" and not run.is_test:
                due_at = wait_end(step, when)
            visits.append(StepVisit(run=run, step_key=key, visit=number, due_at=due_at))
        return visits

    def commit(self) -> None:
        """The last writes of the batch: the pending rows, then the counters."""
        self.flush()
        for (version_id, step_key), deltas in sorted(self.counters.items()):
            changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
            if changes:
                StepCounter.objects.filter(
                    version_id=version_id, step_key=step_key
                ).update(**changes)
        self.counters.clear()


def _rows_update(model, rows: list, fields: list[str]) -> None:
    """One ``UPDATE ... WHERE id = %s`` per row, sent as one ``executemany``
    (pipelined by psycopg): ``bulk_update``'s ``CASE WHEN`` over a batch costs
    more to build and to run than the steps themselves."""
    ops = connection.ops
    columns = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{ops.quote_name(field.column)} = %s" for field in columns)
    sql = (
        f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments}"  # noqa: S608
        " WHERE id = %s"
    )
    params = [
        [
            field.get_db_prep_save(getattr(row, field.attname), connection)
            for field in columns
        ]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
