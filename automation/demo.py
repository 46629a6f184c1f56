"""Demo funnels, added by ``manage.py seed_demo`` (see ``automation.plugins``).

``demo_funnels_seed`` runs after the customers and the other modules' demo data
(``core.plugins.demo_seeders``). It imports the example funnels of
``docs/funnels/`` through ``funnel_import`` (published and active), then puts a few
demo customers who accept the newsletter through them, as the engine would have
over the past days: each run is enrolled at its planned moment and the funnel tick
is run at each moment something fell due, so the credits, e-mails, waits and the
goal are the engine's own work. The win-back ends with runs waiting out the week,
one that went through to its end and one that renewed (the goal, converted); the
welcome series with runs waiting for Monday and one completed.

A funnel is found by its name (a second run imports nothing) and a demo run by its
``payload["demo"]``, so running it again adds nothing. A funnel whose triggers,
actions or conditions are not installed (a module switched off) is left out, said
so in the log.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils import timezone

from automation.models import Funnel, Run, StepVisit
from automation.services import funnel_import, funnels_tick
from automation.services.enrolment import goals_reach, run_start
from customers.models import Customer

DEMO_DIR = Path(settings.BASE_DIR) / "docs" / "funnels"
# The marker of a demo run in its payload: how a second run finds it.
DEMO_PAYLOAD_KEY = "demo"
# The tick is run at each moment something fell due; a cap keeps a funnel that
# cannot go on (paused meanwhile, an action failing) from looping.
MAX_TICKS = 60
CANDIDATES = 200  # the demo customers drawn from, per funnel


@dataclass(frozen=True)
class DemoRun:
    """A customer's way through a demo funnel: enrolled ``entered_ago`` before
    now, and the goal's event ``goal_ago`` before now (``None``: none)."""

    name: str
    entered_ago: timedelta
    goal: str = ""
    goal_ago: timedelta | None = None


@dataclass(frozen=True)
class DemoFunnel:
    file: str
    runs: tuple[DemoRun, ...]
    newest_customers: bool = False  # a welcome series greets recent sign-ups


DEMO_FUNNELS = (
    DemoFunnel(
        "win-back.json",
        (
            # Credited and e-mailed, waiting out the week.
            DemoRun("waiting-1", timedelta(hours=5)),
            DemoRun("waiting-2", timedelta(days=1)),
            DemoRun("waiting-3", timedelta(days=3)),
            # The week is over: checked for a renewal, reminded, out.
            DemoRun("done", timedelta(days=9)),
            # Renewed during the week: the goal takes them out of the wait.
            DemoRun(
                "converted",
                timedelta(days=4),
                goal="expiration.renewed",
                goal_ago=timedelta(days=2),
            ),
        ),
    ),
    DemoFunnel(
        "welcome.json",
        (
            # Welcomed, waiting for Monday's tips.
            DemoRun("waiting-1", timedelta(0)),
            DemoRun("waiting-2", timedelta(0)),
            # Welcomed, given the tips on Monday, completed.
            DemoRun("done", timedelta(days=9)),
        ),
        newest_customers=True,
    ),
)


def demo_funnel_ensure(path: Path, log: Callable[[str], None]) -> Funnel | None:
    """The funnel of the file (by its name), imported and activated if missing;
    ``None`` when the file is refused (e.g. an action whose module is off)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    name = document.get("name", path.name)
    funnel = Funnel.objects.filter(name=name).first()
    if funnel is not None:
        return funnel
    try:
        funnel = funnel_import(document=document, activate=True)
    except ValidationError as error:
        log(f"Funnels: “{name}” left out: {' '.join(error.messages)}")
        return None
    log(f"Funnels: “{name}” imported and activated.")
    return funnel


def _customers_for(
    funnel: Funnel, customers: QuerySet[Customer], demo: DemoFunnel, seed: int
) -> list[int]:
    """Demo customers who accept the newsletter and were never in the funnel, as
    many as it has demo runs, drawn the same way for the same seed."""
    order = ("-created_at", "-pk") if demo.newest_customers else ("pk",)
    candidates = list(
        customers.filter(newsletter_subscribed=True)
        .exclude(Exists(Run.objects.filter(funnel=funnel, customer=OuterRef("pk"))))
        .order_by(*order)
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    rng = random.Random(f"{seed}:funnels:{demo.file}")
    return rng.sample(candidates, min(len(demo.runs), len(candidates)))


def _missing_runs(funnel: Funnel, demo: DemoFunnel) -> list[DemoRun]:
    present = set(
        Run.objects.filter(
            funnel=funnel, **{f"payload__{DEMO_PAYLOAD_KEY}__isnull": False}
        ).values_list(f"payload__{DEMO_PAYLOAD_KEY}", flat=True)
    )
    return [run for run in demo.runs if run.name not in present]


def _next_due(funnel_ids: Sequence[int], until: datetime) -> datetime | None:
    return StepVisit.objects.filter(
        run__funnel_id__in=funnel_ids,
        run__funnel__status=Funnel.Status.ACTIVE,
        state=StepVisit.State.SCHEDULED,
        due_at__lte=until,
    ).aggregate(first=Min("due_at"))["first"]


def _play(
    plan: list[tuple[datetime, Callable[[datetime], object]]],
    funnel_ids: Sequence[int],
    now: datetime,
) -> None:
    """Runs the enrolments and goal events of ``plan`` at their moments, and the
    funnel tick at each moment a step of these funnels fell due, up to ``now``."""
    plan = sorted(plan, key=lambda item: item[0])
    for _tick in range(MAX_TICKS):
        due = _next_due(funnel_ids, now)
        if plan and (due is None or plan[0][0] < due):
            moment, happen = plan.pop(0)
            with transaction.atomic():
                happen(moment)
            continue
        if due is None:
            return
        funnels_tick(now=due)


def demo_funnels_seed(
    customers: QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> int:
    """The example funnels and their demo runs (see the module's docstring);
    returns the runs added (0 on a second run)."""
    now = timezone.now()
    plan: list[tuple[datetime, Callable[[datetime], object]]] = []
    funnel_ids, added = [], 0
    for demo in DEMO_FUNNELS:
        funnel = demo_funnel_ensure(DEMO_DIR / demo.file, log)
        if funnel is None or funnel.published_version_id is None:
            continue
        funnel_ids.append(funnel.pk)
        missing = _missing_runs(funnel, demo)
        if not missing:
            continue
        customer_ids = _customers_for(funnel, customers, demo, seed)
        for run, customer_id in zip(missing, customer_ids, strict=False):
            plan.append((now - run.entered_ago, _enrolment(funnel, customer_id, run)))
            added += 1
            if run.goal and run.goal_ago is not None:
                plan.append((now - run.goal_ago, _goal(customer_id, run.goal)))
    if plan:
        _play(plan, funnel_ids, now)
    log(f"Funnels: {added} demo runs added.")
    return added


def _enrolment(
    funnel: Funnel, customer_id: int, run: DemoRun
) -> Callable[[datetime], object]:
    """Enrols the customer at the moment given, the run marked as a demo one."""

    def happen(moment: datetime) -> object:
        return run_start(
            Funnel.objects.select_related("published_version").get(pk=funnel.pk),
            customer_id,
            f"demo:{run.name}",
            {DEMO_PAYLOAD_KEY: run.name},
            moment,
        )

    return happen


def _goal(customer_id: int, trigger: str) -> Callable[[datetime], object]:
    """The goal's event (e.g. the customer renewed) at the moment given."""

    def happen(moment: datetime) -> object:
        return goals_reach(
            trigger=trigger, customer_id=customer_id, payload={}, now=moment
        )

    return happen
