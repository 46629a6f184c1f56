"""The tick: runs the due step visits, batch by batch, and what staff do with a
failed step (retry, skip) or a run (stop it).

A batch is one transaction: its visits are claimed with one ``SELECT ... FOR
UPDATE SKIP LOCKED`` (visit and run rows: ticks on other workers take other
visits, and an event reaching a goal waits for the batch), and each visit's step
runs in a savepoint. The visits' new states, the ended runs, the next visits and
the counters are gathered in ``BatchWrites`` and written once at the end of the
batch (``automation.services.batch``), so an action's effect, the visit's new
state, the next visit and the counters commit together, or not at all if the
worker dies; a step that fails rolls back its own savepoint only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.definition import split_bucket, split_next, too_late_after
from automation.models import Funnel, Run, StepVisit, Tick
from automation.services.batch import VISIT_FIELDS, BatchWrites
from automation.services.enrolment import run_start
from automation.services.steps import (
    counters_add,
    run_end,
    visit_schedule,
    visits_cancel,
)
from core import plugins

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)


@dataclass
class TickReport:
    """What a tick did."""

    enrolled: int = 0
    done: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    batches: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.retrying + self.failed


def backoff(attempts: int) -> timedelta:
    """1, 4, 16, 64 minutes... after the n-th failed attempt, at most 6 hours."""
    return min(BACKOFF_FIRST * 4 ** (attempts - 1), BACKOFF_CAP)


def funnels_tick(
    now: datetime | None = None, batch: int = 500, limit: int | None = None
) -> TickReport:
    """Enrols what the time-based triggers find, then runs every due visit (at
    most ``limit``) in batches of ``batch``; safe to run on many workers at once."""
    now = now or timezone.now()
    report = TickReport()
    report.enrolled = _scans_enrol(now)
    while limit is None or report.processed < limit:
        size = batch if limit is None else min(batch, limit - report.processed)
        if not _batch_run(now, size, report):
            break
        report.batches += 1
    _health_record(now, report)
    return report


def _scans_enrol(now: datetime) -> int:
    enrolled = 0
    for funnel in Funnel.objects.filter(
        status=Funnel.Status.ACTIVE, published_version__isnull=False
    ).select_related("published_version"):
        trigger = plugins.automation_triggers.get(funnel.trigger_key)
        if trigger is None or trigger.scan is None:
            continue
        for hit in trigger.scan(funnel.trigger_params, now):
            with transaction.atomic():
                if run_start(funnel, hit.customer_id, hit.entry_key, hit.payload, now):
                    enrolled += 1
    return enrolled


def _batch_run(now: datetime, size: int, report: TickReport) -> int:
    with transaction.atomic():
        visits = list(
            StepVisit.objects.select_for_update(skip_locked=True, of=("self", "run"))
            .filter(state=StepVisit.State.SCHEDULED, due_at__lte=now)
            .filter(
                Q(run__funnel__status=Funnel.Status.ACTIVE)
                | Q(run__is_test=True, run__funnel__status=Funnel.Status.DRAFT)
            )
            .select_related("run", "run__customer")
            .order_by("due_at", "pk")[:size]
        )
        writes = BatchWrites()
        writes.versions_load([visit.run for visit in visits])
        for visit in visits:
            if writes.pending_for(visit.run.customer_id):
                writes.flush()  # this customer's events see their runs as they are
            try:
                with transaction.atomic():  # the step's savepoint
                    outcome = _visit_process(visit, now, writes)
            except _ActionSkipped as skipped:  # its effects rolled back with it
                outcome = _visit_finish(
                    visit,
                    skipped.step,
                    StepVisit.State.SKIPPED,
                    str(skipped),
                    now,
                    writes,
                    following=skipped.step.get("next"),
                )
            except plugins.AutomationActionRefused as error:
                outcome = _visit_failed(visit, str(error), now, writes)
            except Exception as error:  # noqa: BLE001 - recorded, shown to staff
                logger.exception("Funnel step visit %s failed", visit.pk)
                outcome = _visit_failed(
                    visit, f"{type(error).__name__}: {error}", now, writes
                )
            setattr(report, outcome, getattr(report, outcome) + 1)
        writes.commit()
        return len(visits)


class _ActionSkipped(Exception):
    """An action said "skipped": raised out of the step's savepoint, so that
    whatever the action wrote is undone before the skip is recorded."""

    def __init__(self, reason: str, step: dict):
        super().__init__(reason)
        self.step = step


def _context(visit: StepVisit, now: datetime) -> plugins.AutomationContext:
    return plugins.AutomationContext(
        run_id=visit.run_id,
        step_visit_id=visit.pk,
        payload=visit.run.payload,
        now=now,
        is_test=visit.run.is_test,
    )


def _visit_process(visit: StepVisit, now: datetime, writes: BatchWrites) -> str:
    """Runs one visit's step; its new state and what follows go to ``writes``."""
    run = visit.run
    step = writes.step(run, visit.step_key)
    if step is None:
        raise plugins.AutomationActionRefused(
            _("Step '%(key)s' is not in version %(number)d.")
            % {"key": visit.step_key, "number": run.version.number}
        )
    kind = step["kind"]
    state: str = StepVisit.State.DONE
    result, following = "", step.get("next")
    if kind == "action":
        state, result = _action_run(visit, step, now)
    elif kind == "wait":
        result = _("Waited until %(when)s.") % {"when": visit.due_at.isoformat()}
    elif kind == "condition":
        condition = plugins.automation_conditions.get(step["condition"])
        if condition is None:
            raise plugins.AutomationActionRefused(
                _("The condition '%(key)s' is not available.")
                % {"key": step["condition"]}
            )
        answer = bool(
            condition.test(run.customer, step.get("params", {}), _context(visit, now))
        )
        result = _("Yes") if answer else _("No")
        following = step.get("yes") if answer else step.get("no")
    elif kind == "split":
        bucket = split_bucket(
            funnel_id=run.funnel_id, step_key=step["key"], customer_id=run.customer_id
        )
        following = split_next(step, bucket)
        result = _("Branch to '%(key)s'.") % {"key": following}
    elif kind == "goal":
        result = _("Goal reached.") if run.converted_at else _("Passed the goal step.")
    return _visit_finish(visit, step, state, result, now, writes, following=following)


def _visit_finish(
    visit: StepVisit,
    step: dict,
    state: str,
    result: str,
    now: datetime,
    writes: BatchWrites,
    *,
    following: str | None,
) -> str:
    visit.started_at = visit.started_at or now
    visit.attempts += 1
    visit.state = state
    visit.result = result[:2000]
    visit.error = ""
    visit.finished_at = now
    writes.visit_finished(visit)
    writes.count(visit.run, visit.step_key, waiting=-1, **{_counter(state): 1})
    # The next step is due when this one was, not when a late tick ran it: after
    # downtime the waits keep their length and "too late" is measured from the
    # plan, not from the catch-up.
    when = min(visit.due_at, now)
    run = visit.run
    if step["kind"] == "exit":
        writes.run_ended(run, Run.State.EXITED, when)
    elif following:
        writes.visit_next(run, following, when)
    else:
        writes.run_ended(run, Run.State.COMPLETED, when)
    return "done" if state == StepVisit.State.DONE else "skipped"


def _counter(state: str) -> str:
    names: dict[str, str] = {
        StepVisit.State.DONE: "done",
        StepVisit.State.SKIPPED: "skipped",
    }
    return names[state]


def _run_continue(run: Run, kind: str, following: str | None, now: datetime) -> None:
    if kind == "exit":
        run_end(run, Run.State.EXITED, now)
    elif following:
        visit_schedule(run, following, now)
    else:
        run_end(run, Run.State.COMPLETED, now)


def _action_run(visit: StepVisit, step: dict, now: datetime) -> tuple[str, str]:
    action = plugins.automation_actions.get(step["action"])
    if action is None:
        raise plugins.AutomationActionRefused(
            _("The action '%(key)s' is not available.") % {"key": step["action"]}
        )
    late = too_late_after(step)
    if late is not None and not visit.run.is_test and now - visit.due_at > late:
        return StepVisit.State.SKIPPED, _(
            "Too late: due %(due)s, %(hours)d hours ago (the limit is %(limit)d hours)."
        ) % {
            "due": visit.due_at.isoformat(),
            "hours": (now - visit.due_at).total_seconds() // 3600,
            "limit": late.total_seconds() // 3600,
        }
    try:
        result = action.run(
            visit.run.customer,
            step.get("params", {}),
            idempotency_key=f"funnel-step:{visit.pk}",
            context=_context(visit, now),
        )
    except plugins.AutomationActionSkipped as reason:
        raise _ActionSkipped(str(reason), step) from reason
    return StepVisit.State.DONE, str(result or "")


def _visit_failed(
    visit: StepVisit, message: str, now: datetime, writes: BatchWrites
) -> str:
    """A refused (or broken) step: retried later with backoff, failed for good
    after ``MAX_ATTEMPTS``."""
    with transaction.atomic():
        visit.refresh_from_db(fields=[*VISIT_FIELDS, "due_at"])
        visit.attempts += 1
        visit.error = message[:2000]
        visit.started_at = visit.started_at or now
        if visit.attempts >= MAX_ATTEMPTS:
            visit.state = StepVisit.State.FAILED
            visit.finished_at = now
            writes.count(visit.run, visit.step_key, waiting=-1, failed=1)
            outcome = "failed"
        else:
            visit.due_at = now + backoff(visit.attempts)
            outcome = "retrying"
        visit.save(update_fields=[*VISIT_FIELDS, "due_at"])
    return outcome


def _health_record(now: datetime, report: TickReport) -> None:
    due = StepVisit.objects.filter(state=StepVisit.State.SCHEDULED, due_at__lte=now)
    figures = due.aggregate(oldest=Min("due_at"))
    Tick.objects.update_or_create(
        pk=1,
        defaults={
            "last_tick_at": timezone.now(),
            "steps_done": report.processed,
            "backlog": due.count(),
            "oldest_due_at": figures["oldest"],
        },
    )


def _waiting_visit(visit_id: int, states: tuple[str, ...]) -> StepVisit:
    visit = (
        StepVisit.objects.select_for_update(of=("self", "run"))
        .select_related("run", "run__version")
        .filter(pk=visit_id)
        .first()
    )
    if (
        visit is None
        or visit.state not in states
        or visit.run.state != Run.State.ACTIVE
    ):
        raise ValidationError(_("This step is no longer waiting for a decision."))
    return visit


@transaction.atomic(durable=True)
def step_visit_retry(*, visit: StepVisit, by=None) -> StepVisit:
    """Runs a failed step again at the next tick (with a fresh count of attempts)."""
    visit = _waiting_visit(visit.pk, (StepVisit.State.FAILED,))
    visit.state = StepVisit.State.SCHEDULED
    visit.due_at = timezone.now()
    visit.attempts = 0
    visit.finished_at = None
    visit.result = _("Retry asked by %(who)s.") % {"who": by or _("staff")}
    visit.save(update_fields=["state", "due_at", "attempts", "finished_at", "result"])
    counters_add(visit.run, visit.step_key, failed=-1, waiting=1)
    return visit


@transaction.atomic(durable=True)
def step_visit_skip(*, visit: StepVisit, by=None) -> StepVisit:
    """Gives up a failed (or retrying) step: recorded as skipped, the run goes on
    (a condition's run takes its "no" branch)."""
    visit = _waiting_visit(
        visit.pk, (StepVisit.State.FAILED, StepVisit.State.SCHEDULED)
    )
    if visit.state == StepVisit.State.SCHEDULED and not visit.error:
        raise ValidationError(_("Only a failed step can be skipped."))
    now = timezone.now()
    counter = "failed" if visit.state == StepVisit.State.FAILED else "waiting"
    visit.state = StepVisit.State.SKIPPED
    visit.finished_at = now
    visit.result = _("Skipped by %(who)s.") % {"who": by or _("staff")}
    visit.save(update_fields=["state", "finished_at", "result"])
    counters_add(visit.run, visit.step_key, **{counter: -1}, skipped=1)
    step = visit.run.version.step(visit.step_key) or {"kind": "exit"}
    following = step.get("no") if step["kind"] == "condition" else step.get("next")
    _run_continue(visit.run, step["kind"], following, now)
    return visit


@transaction.atomic(durable=True)
def run_cancel(*, run: Run, by=None) -> Run:
    """Stops a run for this customer: its waiting steps are cancelled."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.state != Run.State.ACTIVE:
        raise ValidationError(_("This run has already ended."))
    now = timezone.now()
    visits_cancel(run, now, reason=_("Stopped by %(who)s.") % {"who": by or _("staff")})
    run_end(run, Run.State.CANCELLED, now)
    return run
