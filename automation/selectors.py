"""Reads with business meaning: the scheduler's health, steps needing attention,
a funnel's step statistics, a funnel's or a customer's runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from automation.models import Funnel, Run, StepCounter, StepVisit, Tick

STALE_AFTER = timedelta(minutes=5)
# The tick counts the due backlog up to this (and one more: "more than this").
BACKLOG_COUNT_CAP = 100_000


@dataclass(frozen=True)
class SchedulerHealth:
    last_tick_at: datetime | None
    backlog: int
    oldest_due_at: datetime | None
    stale: bool
    active: bool = False

    @property
    def backlog_over_cap(self) -> bool:
        """The backlog was counted only up to ``BACKLOG_COUNT_CAP``: more are due."""
        return self.backlog > BACKLOG_COUNT_CAP

    @property
    def backlog_cap(self) -> int:
        return BACKLOG_COUNT_CAP

    @property
    def oldest_due_age(self) -> timedelta | None:
        return timezone.now() - self.oldest_due_at if self.oldest_due_at else None


def scheduler_health(now: datetime | None = None) -> SchedulerHealth:
    """The last tick, its backlog and oldest due step; ``stale`` when no tick ran
    for five minutes while a funnel is active."""
    now = now or timezone.now()
    tick = Tick.objects.filter(pk=1).first()
    last = tick.last_tick_at if tick else None
    active = Funnel.objects.filter(status=Funnel.Status.ACTIVE).exists()
    return SchedulerHealth(
        last_tick_at=last,
        backlog=tick.backlog if tick else 0,
        oldest_due_at=tick.oldest_due_at if tick else None,
        stale=active and (last is None or now - last > STALE_AFTER),
        active=active,
    )


def visits_needing_attention() -> QuerySet[StepVisit]:
    """Failed steps, and steps being retried after a failure, oldest first."""
    return (
        StepVisit.objects.filter(
            Q(state=StepVisit.State.FAILED)
            | Q(state=StepVisit.State.SCHEDULED, attempts__gt=0)
        )
        .exclude(error="")
        .select_related("run__funnel", "run__customer")
        .order_by("due_at", "pk")
    )


def funnel_step_statistics(funnel: Funnel) -> list[StepCounter]:
    """The published version's counters, in the order of its steps."""
    version = funnel.published_version
    if version is None:
        return []
    counters = {c.step_key: c for c in StepCounter.objects.filter(version=version)}
    return [
        counters[step["key"]]
        for step in version.definition["steps"]
        if step["key"] in counters
    ]


def funnels_for_list() -> list[Funnel]:
    """Every funnel with its figures, in three queries whatever their number:
    ``active_runs`` and ``conversions`` (real runs, any version) counted in SQL,
    ``entered`` from the published version's counter of its first step."""
    funnels: list[Any] = list(
        Funnel.objects.select_related("published_version")
        .annotate(
            active_runs=Count(
                "runs",
                filter=Q(runs__state=Run.State.ACTIVE, runs__is_test=False),
                distinct=True,
            ),
            conversions=Count(
                "runs",
                filter=Q(runs__converted_at__isnull=False, runs__is_test=False),
                distinct=True,
            ),
        )
        .order_by("name", "pk")
    )
    versions = [f.published_version for f in funnels if f.published_version]
    counters = {
        (c.version_id, c.step_key): c.entered
        for c in StepCounter.objects.filter(version__in=versions).only(
            "version_id", "step_key", "entered"
        )
    }
    for funnel in funnels:
        version = funnel.published_version
        steps = version.definition.get("steps", []) if version else []
        funnel.entered = (
            counters.get((version.pk, steps[0]["key"]), 0) if version and steps else 0
        )
    return funnels


def funnel_counters(funnel: Funnel) -> dict[str, StepCounter]:
    """The published version's counters by step key (none before publishing)."""
    if funnel.published_version_id is None:
        return {}
    return {
        c.step_key: c
        for c in StepCounter.objects.filter(version_id=funnel.published_version_id)
    }


def funnel_stranded_steps(funnel: Funnel) -> dict[str, int]:
    """Steps the draft removes while real or test runs wait in them: how many
    wait in each (publishing must say where they go)."""
    keys = {step.get("key") for step in funnel.draft.get("steps", [])}
    rows = (
        StepVisit.objects.filter(
            run__funnel=funnel,
            run__state=Run.State.ACTIVE,
            state__in=[StepVisit.State.SCHEDULED, StepVisit.State.FAILED],
        )
        .exclude(step_key__in=keys)
        .values("step_key")
        .annotate(count=Count("pk"))
        .order_by("step_key")
    )
    return {row["step_key"]: row["count"] for row in rows}


def _current_step() -> Subquery:
    """The step of the run's latest visit: where it waits, or where it ended."""
    return Subquery(
        StepVisit.objects.filter(run=OuterRef("pk"))
        .order_by("-id")
        .values("step_key")[:1]
    )


def funnel_runs(funnel: Funnel) -> QuerySet[Run]:
    """A funnel's runs, newest first, each with its customer and ``current_step``
    (one query for a page of them)."""
    return (
        Run.objects.filter(funnel=funnel)
        .select_related("customer")
        .annotate(current_step=_current_step())
        .order_by("-entered_at", "-id")
    )


def customer_runs(customer_id: int) -> QuerySet[Run]:
    """A customer's runs in every funnel, newest first, with ``current_step``."""
    return (
        Run.objects.filter(customer_id=customer_id)
        .select_related("funnel")
        .annotate(current_step=_current_step())
        .order_by("-entered_at", "-id")
    )


def run_visits(run: Run) -> QuerySet[StepVisit]:
    """A run's step visits in the order they happened."""
    return StepVisit.objects.filter(run=run).order_by("id")


def attention_count(cap: int = 99) -> tuple[int, bool]:
    """How many steps need attention, counted no further than ``cap``: (count,
    more); the badge reads "99+" rather than counting a flood of failures."""
    found = visits_needing_attention().order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap
