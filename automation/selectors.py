"""Reads with business meaning: the scheduler's health, steps needing attention,
a funnel's step statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from automation.models import Funnel, StepCounter, StepVisit, Tick

STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SchedulerHealth:
    last_tick_at: datetime | None
    backlog: int
    oldest_due_at: datetime | None
    stale: bool

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
