"""A tick batch's visits of one step, run together: the action's ``run_many`` once
for all of them, then their new states, the ended runs and the next visits
written in a few statements (``tick._batch_run`` decides which visits go here).

The group's effects run in one savepoint: if ``run_many`` raises, nothing of it
stays and the tick runs each visit on its own (``run``), as before. A call that
``run_many`` refuses or skips changed nothing, by the action's contract; a refusal
is recorded as the per-visit path records it (retried with backoff).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext as _

from automation.definition import too_late_after, wait_end
from automation.models import Run, StepVisit
from automation.services.steps import counters_add, counters_atomic
from core import plugins
from core.bulk_sql import rows_update

logger = logging.getLogger(__name__)

VISIT_FIELDS = ["state", "result", "error", "attempts", "started_at", "finished_at"]
# The kinds a group can run: an action with ``run_many``, or a step with no effect.
QUIET_KINDS = frozenset({"exit", "wait"})


@dataclass
class Finished:
    visit: StepVisit
    state: str
    result: str


def group_key(visit: StepVisit, step: dict | None) -> tuple[int, str] | None:
    """The group a visit can run in (its version and step), or ``None``: run alone."""
    if step is None:
        return None
    if step["kind"] == "action":
        action = plugins.automation_actions.get(step["action"])
        if action is None or action.run_many is None:
            return None
    elif step["kind"] not in QUIET_KINDS:
        return None
    return (visit.run.version_id, visit.step_key)


def group_run(
    visits: list[StepVisit],
    step: dict,
    now: datetime,
    cancelled: set[int],
    *,
    context: Callable[[StepVisit, datetime], plugins.AutomationContext],
    failed: Callable[[StepVisit, str, datetime], str],
    alone: Callable[[StepVisit], str],
) -> list[str]:
    """Runs the visits (one step, at most one per customer); returns their
    outcomes ("done", "skipped", "retrying", "failed")."""
    visits = [visit for visit in visits if visit.pk not in cancelled]
    if not visits:
        return []
    outcomes: list[str] = []
    finished: list[Finished] = []
    if step["kind"] == "action":
        try:
            with counters_atomic():
                results = _actions_run(visits, step, now, context)
        except Exception:  # noqa: BLE001 - each visit then runs on its own
            logger.warning(
                "Funnel step %s: the batch failed, each visit runs alone",
                step["key"],
                exc_info=True,
            )
            return [alone(visit) for visit in visits]
        for visit, result in zip(visits, results, strict=True):
            if isinstance(result, plugins.AutomationActionRefused):
                outcomes.append(failed(visit, str(result), now))
            elif isinstance(result, plugins.AutomationActionSkipped):
                finished.append(Finished(visit, StepVisit.State.SKIPPED, str(result)))
            else:
                finished.append(Finished(visit, StepVisit.State.DONE, str(result)))
    elif step["kind"] == "wait":
        for visit in visits:
            result = _("Waited until %(when)s.") % {"when": visit.due_at.isoformat()}
            finished.append(Finished(visit, StepVisit.State.DONE, result))
    else:  # exit
        finished = [Finished(visit, StepVisit.State.DONE, "") for visit in visits]
    _finished_write(finished, step, now, cancelled)
    outcomes.extend(
        "done" if item.state == StepVisit.State.DONE else "skipped" for item in finished
    )
    return outcomes


def _actions_run(
    visits: list[StepVisit],
    step: dict,
    now: datetime,
    context: Callable[[StepVisit, datetime], plugins.AutomationContext],
) -> list[plugins.AutomationOutcome]:
    action = plugins.automation_actions.get(step["action"])
    assert action is not None and action.run_many is not None
    late = too_late_after(step)
    results: list[plugins.AutomationOutcome | None] = []
    calls: list[plugins.AutomationCall] = []
    for visit in visits:
        if late is not None and not visit.run.is_test and now - visit.due_at > late:
            results.append(
                plugins.AutomationActionSkipped(
                    _(
                        "Too late: due %(due)s, %(hours)d hours ago (the limit is "
                        "%(limit)d hours)."
                    )
                    % {
                        "due": visit.due_at.isoformat(),
                        "hours": (now - visit.due_at).total_seconds() // 3600,
                        "limit": late.total_seconds() // 3600,
                    }
                )
            )
            continue
        results.append(None)
        calls.append(
            plugins.AutomationCall(
                customer=visit.run.customer,
                idempotency_key=f"funnel-step:{visit.pk}",
                context=context(visit, now),
            )
        )
    answers = iter(action.run_many(calls, step.get("params", {})) if calls else [])
    filled = [result if result is not None else next(answers) for result in results]
    if next(answers, None) is not None or len(filled) != len(visits):
        raise RuntimeError(f"{action.key}.run_many gave a wrong number of results.")
    return filled  # type: ignore[return-value]


def _finished_write(
    finished: list[Finished], step: dict, now: datetime, cancelled: set[int]
) -> None:
    """The visits' new states, counters, and what follows each (as
    ``tick._visit_process`` does for one), in a few statements."""
    ended: list[Run] = []
    following: list[tuple[Run, str, datetime]] = []
    for item in finished:
        visit = item.visit
        visit.started_at = visit.started_at or now
        visit.attempts += 1
        visit.state = item.state
        visit.result = item.result[:2000]
        visit.error = ""
        visit.finished_at = now
        counter = "done" if item.state == StepVisit.State.DONE else "skipped"
        if visit.pk in cancelled:  # its own action took the run to a goal
            counters_add(visit.run, visit.step_key, **{counter: 1})
            continue
        counters_add(visit.run, visit.step_key, waiting=-1, **{counter: 1})
        when = min(visit.due_at, now)
        run = visit.run
        if step["kind"] == "exit":
            run.state, run.ended_at = Run.State.EXITED, when
            ended.append(run)
        elif step.get("next"):
            following.append((run, step["next"], when))
        else:
            run.state, run.ended_at = Run.State.COMPLETED, when
            ended.append(run)
    rows_update(StepVisit, [item.visit for item in finished], VISIT_FIELDS)
    rows_update(Run, ended, ["state", "ended_at"])
    if following:
        _visits_schedule(following)


def _visits_schedule(following: list[tuple[Run, str, datetime]]) -> None:
    """``steps.visit_schedule`` for many runs: one query for the visit numbers, one
    insert."""
    numbers: dict[tuple[int, str], int] = {
        (row["run_id"], row["step_key"]): row["n"]
        for row in StepVisit.objects.filter(
            run_id__in={run.pk for run, _key, _when in following},
            step_key__in={key for _run, key, _when in following},
        )
        .values("run_id", "step_key")
        .annotate(n=Max("visit"))
    }
    visits = []
    for run, key, when in following:
        step = run.version.step(key)
        assert step is not None, key
        due_at = when
        if step["kind"] == "wait" and not run.is_test:
            due_at = wait_end(step, when)
        number = numbers.get((run.pk, key), 0) + 1
        numbers[(run.pk, key)] = number
        visits.append(StepVisit(run=run, step_key=key, visit=number, due_at=due_at))
        counters_add(run, key, entered=1, waiting=1)
    StepVisit.objects.bulk_create(visits)
