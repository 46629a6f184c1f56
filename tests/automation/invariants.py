"""The engine's invariants, checked from the rows alone: what the SIGKILL test and
the state machine assert after everything they do.

- a visit of a step is never processed twice (one attempt per visit that never
  failed, and the unique ``(run, step, visit)`` key);
- a run has ended, or has exactly one visit waiting (scheduled, running, or
  failed and waiting for staff);
- each step's counters equal its visit rows (the counters are kept in the
  visits' transactions, never counted, so this is what proves them);
- every action that ran left exactly one effect keyed by its visit: one ledger
  entry per credit visit done, one outbox e-mail per e-mail visit done, and none
  for the others;
- the ledger reconciles (``verify_balances``' query finds nothing).
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from automation.models import Run, StepCounter, StepVisit
from balance.models import Entry, SourceType
from balance.verification import balance_mismatches
from core.models import SentEmail

OPEN = (StepVisit.State.SCHEDULED, StepVisit.State.RUNNING, StepVisit.State.FAILED)
COUNTED = {
    StepVisit.State.DONE: "done",
    StepVisit.State.SKIPPED: "skipped",
    StepVisit.State.FAILED: "failed",
}


def assert_no_visit_twice(
    *, retrying_steps: frozenset[str] | set[str] = frozenset()
) -> None:
    """``retrying_steps``: the steps whose action may refuse (a debit), tried
    again with backoff: their visits may count several attempts."""
    duplicates = (
        StepVisit.objects.values("run_id", "step_key", "visit")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(duplicates) == []
    # Every visit that ran was claimed once: a step run again (by a second worker,
    # or by a batch replayed after a crash) would count 2.
    again = StepVisit.objects.filter(attempts__gt=1).exclude(
        step_key__in=retrying_steps
    )
    assert list(again.values_list("pk", "step_key", "attempts")) == []


def assert_runs_end_or_wait() -> None:
    open_per_run = Counter(
        StepVisit.objects.filter(state__in=OPEN).values_list("run_id", flat=True)
    )
    for run_id, state in Run.objects.values_list("pk", "state"):
        expected = 1 if state == Run.State.ACTIVE else 0
        assert open_per_run.get(run_id, 0) == expected, (run_id, state)


def assert_counters_match_rows() -> None:
    rows: Counter[tuple[int, str, str]] = Counter()
    for version_id, step_key, state in StepVisit.objects.filter(
        run__is_test=False
    ).values_list("run__version_id", "step_key", "state"):
        rows[version_id, step_key, "entered"] += 1
        if state in (StepVisit.State.SCHEDULED, StepVisit.State.RUNNING):
            rows[version_id, step_key, "waiting"] += 1
        elif state in COUNTED:
            rows[version_id, step_key, COUNTED[state]] += 1
    for counter in StepCounter.objects.all():
        for name in ("entered", "waiting", "done", "skipped", "failed"):
            key = (counter.version_id, counter.step_key, name)
            assert getattr(counter, name) == rows[key], (key, getattr(counter, name))


def assert_effects_once(
    *,
    credit_steps: set[str],
    email_steps: set[str],
    customer_ids: set[int] | None = None,
) -> None:
    """One ledger entry per credit visit done and one outbox e-mail per e-mail
    visit done, keyed by that visit; no effect for a visit that is not done.
    ``customer_ids`` leaves out the (undeletable) entries of other customers."""
    visits = dict(StepVisit.objects.values_list("pk", "step_key"))
    done = set(
        StepVisit.objects.filter(state=StepVisit.State.DONE).values_list(
            "pk", flat=True
        )
    )
    entries = Counter(
        int(source_id)
        for source_id in _entries(customer_ids).values_list("source_id", flat=True)
    )
    emails = Counter(
        int(key.removeprefix("funnel-step:"))
        for key in SentEmail.objects.filter(
            event_key__startswith="funnel-step:"
        ).values_list("event_key", flat=True)
    )
    for visit_id, step_key in visits.items():
        expected_entries = int(step_key in credit_steps and visit_id in done)
        expected_emails = int(step_key in email_steps and visit_id in done)
        assert entries.get(visit_id, 0) == expected_entries, (visit_id, step_key)
        assert emails.get(visit_id, 0) == expected_emails, (visit_id, step_key)
    # And none left by a visit that no longer exists (a batch rolled back).
    assert set(entries) <= set(visits)
    assert set(emails) <= set(visits)


def _entries(customer_ids: set[int] | None):
    entries = Entry.objects.filter(source_type=SourceType.FUNNEL_STEP)
    if customer_ids is not None:
        entries = entries.filter(customer_id__in=customer_ids)
    return entries


def assert_ledger_reconciles() -> None:
    assert balance_mismatches() == []


def assert_engine_consistent(
    *,
    credit_steps: set[str],
    email_steps: set[str],
    customer_ids: set[int] | None = None,
    retrying_steps: frozenset[str] | set[str] = frozenset(),
) -> None:
    assert_no_visit_twice(retrying_steps=retrying_steps)
    assert_runs_end_or_wait()
    assert_counters_match_rows()
    assert_effects_once(
        credit_steps=credit_steps, email_steps=email_steps, customer_ids=customer_ids
    )
    assert_ledger_reconciles()
