"""The tick: runs the due step visits, batch by batch, and what staff do with a
failed step (retry, skip) or a run (stop it).

A batch is one transaction: its visits are claimed with ``SELECT ... FOR UPDATE
SKIP LOCKED`` (visit and run rows: ticks on other workers take other visits, and an
event reaching a goal waits for the batch), and each visit runs in a savepoint,
so an action's effect, the visit's new state, the next visit and the counters
commit together, or not at all if the worker dies. The visits of one step run as a
group (``automation.services.batch``: the action's ``run_many``, then a few
statements for the states and next visits), and the counters are written once, at
the end of the batch (``steps.counters_deferred``).
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
from automation.models import Funnel, FunnelVersion, Run, StepVisit, Tick
from automation.selectors import BACKLOG_COUNT_CAP
from automation.services.batch import group_key, group_run
from automation.services.enrolment import event_lookups_cached, run_start
from automation.services.steps import (
    cancellations_tracked,
    counters_add,
    counters_atomic,
    counters_deferred,
    run_end,
    visit_schedule,
    visits_cancel,
)
from core import plugins

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
VISIT_FIELDS = ["state", "result", "error", "attempts", "started_at", "finished_at"]


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
    with (
        transaction.atomic(),
        cancellations_tracked() as cancelled,
        counters_deferred(),
        event_lookups_cached(),
    ):
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
        _versions_attach([visit.run for visit in visits])
        # The visits of one step (an action with a batch entry point, an exit, a
        # wait) run together, one customer at most once per group; the others
        # (conditions, splits, goals, actions without one) one by one, in order.
        groups: dict[tuple[int, str], list[StepVisit]] = {}
        customers: dict[tuple[int, str], set[int]] = {}
        alone: list[StepVisit] = []
        for visit in visits:
            key = group_key(visit, visit.run.version.step(visit.step_key))
            seen = customers.setdefault(key, set()) if key else set()
            if key is None or visit.run.customer_id in seen:
                alone.append(visit)
                continue
            seen.add(visit.run.customer_id)
            groups.setdefault(key, []).append(visit)
        for (_version, _step), members in groups.items():
            step = members[0].run.version.step(members[0].step_key)
            assert step is not None
            for outcome in group_run(
                members,
                step,
                now,
                cancelled,
                context=_context,
                failed=_visit_failed,
                alone=lambda visit: _visit_alone(visit, now, cancelled),
            ):
                setattr(report, outcome, getattr(report, outcome) + 1)
        for visit in alone:
            if visit.pk in cancelled:
                # An earlier step's event took its run to a goal: not to be run.
                continue
            outcome = _visit_alone(visit, now, cancelled)
            setattr(report, outcome, getattr(report, outcome) + 1)
        return len(visits)


def _versions_attach(runs: list[Run]) -> None:
    """Each version of the batch read once (its definition parsed once), not with
    every visit's row."""
    versions = FunnelVersion.objects.in_bulk({run.version_id for run in runs})
    for run in runs:
        run.version = versions[run.version_id]


def _visit_alone(visit: StepVisit, now: datetime, cancelled: set[int]) -> str:
    """Runs one visit in its own savepoint; returns its outcome."""
    try:
        with counters_atomic():
            return _visit_process(visit, now, cancelled)
    except plugins.AutomationActionRefused as error:
        return _visit_failed(visit, str(error), now)
    except Exception as error:  # noqa: BLE001 - recorded, shown to staff
        logger.exception("Funnel step visit %s failed", visit.pk)
        return _visit_failed(visit, f"{type(error).__name__}: {error}", now)


def _context(visit: StepVisit, now: datetime) -> plugins.AutomationContext:
    return plugins.AutomationContext(
        run_id=visit.run_id,
        step_visit_id=visit.pk,
        payload=visit.run.payload,
        now=now,
        is_test=visit.run.is_test,
    )


def _visit_process(visit: StepVisit, now: datetime, cancelled: set[int]) -> str:
    """Runs one visit's step and schedules what follows; returns the outcome.

    When the step's own action took the run to a goal (its event cancelled this
    visit), the step is recorded as run, and the run goes on from the goal only.
    """
    run = visit.run
    step = run.version.step(visit.step_key)
    if step is None:
        raise plugins.AutomationActionRefused(
            _("Step '%(key)s' is not in version %(number)d.")
            % {"key": visit.step_key, "number": run.version.number}
        )
    visit.started_at = visit.started_at or now
    visit.attempts += 1
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
    visit.state = state
    visit.result = result[:2000]
    visit.error = ""
    visit.finished_at = now
    visit.save(update_fields=VISIT_FIELDS)
    if visit.pk in cancelled:  # the cancellation already took "waiting" off
        counters_add(run, visit.step_key, **{_counter(state): 1})
        return "done" if state == StepVisit.State.DONE else "skipped"
    counters_add(run, visit.step_key, waiting=-1, **{_counter(state): 1})
    # The next step is due when this one was, not when a late tick ran it: after
    # downtime the waits keep their length and "too late" is measured from the
    # plan, not from the catch-up.
    _run_continue(run, kind, following, min(visit.due_at, now))
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
        with counters_atomic():
            result = action.run(
                visit.run.customer,
                step.get("params", {}),
                idempotency_key=f"funnel-step:{visit.pk}",
                context=_context(visit, now),
            )
    except plugins.AutomationActionSkipped as reason:
        return StepVisit.State.SKIPPED, str(reason)
    return StepVisit.State.DONE, str(result or "")


def _visit_failed(visit: StepVisit, message: str, now: datetime) -> str:
    """A refused (or broken) step: retried later with backoff, failed for good
    after ``MAX_ATTEMPTS``."""
    with counters_atomic():
        visit.refresh_from_db()
        visit.attempts += 1
        visit.error = message[:2000]
        visit.started_at = visit.started_at or now
        if visit.attempts >= MAX_ATTEMPTS:
            visit.state = StepVisit.State.FAILED
            visit.finished_at = now
            counters_add(visit.run, visit.step_key, waiting=-1, failed=1)
            outcome = "failed"
        else:
            visit.due_at = now + backoff(visit.attempts)
            outcome = "retrying"
        visit.save(update_fields=[*VISIT_FIELDS, "due_at"])
    return outcome


def _health_record(now: datetime, report: TickReport) -> None:
    """The health row: the backlog counted up to ``BACKLOG_COUNT_CAP`` + 1 (one
    more means "more than the cap": a million due steps are not counted every
    minute) through the due visits' partial index, and the oldest due step (the
    first entry of that index)."""
    due = StepVisit.objects.filter(state=StepVisit.State.SCHEDULED, due_at__lte=now)
    figures = due.aggregate(oldest=Min("due_at"))
    backlog = due.order_by().values("pk")[: BACKLOG_COUNT_CAP + 1].count()
    Tick.objects.update_or_create(
        pk=1,
        defaults={
            "last_tick_at": timezone.now(),
            "steps_done": report.processed,
            "backlog": backlog,
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
