"""Enrolment: events start runs (and end waits at goals); staff enrol customers
one by one or by the hundred thousand, set-based."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from automation.definition import wait_end
from automation.models import Funnel, FunnelVersion, Run, StepCounter, StepVisit
from automation.services.steps import visit_schedule, visits_cancel
from core import plugins
from customers.models import Customer

# Customers enrolled per statement (and per transaction) by ``funnel_enrol``.
ENROL_CHUNK = 50_000


class _EventLookups:
    """What an event looks up that does not change within a tick's batch: the
    active funnels a trigger starts, and the versions with a goal on it."""

    def __init__(self) -> None:
        self.funnels: dict[str, list[Funnel]] = {}
        self.goal_versions: dict[str, set[int]] = {}
        self.definitions: dict[int, dict] | None = None

    def funnels_for(self, trigger: str) -> list[Funnel]:
        if trigger not in self.funnels:
            self.funnels[trigger] = list(_funnels_started(trigger))
        return self.funnels[trigger]

    def versions_with_goal(self, trigger: str) -> set[int]:
        if trigger not in self.goal_versions:
            if self.definitions is None:
                self.definitions = dict(
                    FunnelVersion.objects.values_list("pk", "definition")
                )
            self.goal_versions[trigger] = {
                pk
                for pk, definition in self.definitions.items()
                if any(
                    step.get("kind") == "goal" and step.get("trigger") == trigger
                    for step in (definition or {}).get("steps", [])
                )
            }
        return self.goal_versions[trigger]


_lookups: ContextVar[_EventLookups | None] = ContextVar(
    "automation_event_lookups", default=None
)


@contextmanager
def event_lookups_cached() -> Iterator[None]:
    """Within the block (a tick's batch, one transaction), the events its steps
    fire (a tag added, for each customer of a group) look the funnels and goals up
    once, not once per customer."""
    token = _lookups.set(_EventLookups())
    try:
        yield
    finally:
        _lookups.reset(token)


def _funnels_started(trigger: str):
    return Funnel.objects.filter(
        trigger_key=trigger,
        status=Funnel.Status.ACTIVE,
        published_version__isnull=False,
    ).select_related("published_version")


def run_entry_key(funnel: Funnel, customer_id: int, entry_key: str) -> str:
    """The run's unique key: once ever is one key per customer; otherwise the
    occurrence's (the same event twice enrols once)."""
    if funnel.reentry == Funnel.Reentry.ONCE:
        return f"c{customer_id}:once"
    return f"c{customer_id}:{entry_key}"[:200]


def _reentry_blocked(funnel: Funnel, customer_id: int, now: datetime) -> bool:
    if funnel.reentry != Funnel.Reentry.AGAIN_AFTER:
        return False
    since = now - timedelta(days=funnel.reentry_days or 0)
    return Run.objects.filter(
        funnel=funnel, customer_id=customer_id, is_test=False, entered_at__gt=since
    ).exists()


def run_start(
    funnel: Funnel,
    customer_id: int,
    entry_key: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    is_test: bool = False,
) -> Run | None:
    """Enrols one customer in the caller's transaction; ``None`` when the re-entry
    policy or the unique entry key says they are (or were) in already."""
    version = funnel.published_version
    if version is None:
        return None
    if not is_test and _reentry_blocked(funnel, customer_id, now):
        return None
    key = (
        f"test:{get_random_string(16)}"
        if is_test
        else run_entry_key(funnel, customer_id, entry_key)
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves no trace
            run = Run.objects.create(
                funnel=funnel,
                version=version,
                customer_id=customer_id,
                entry_key=key,
                is_test=is_test,
                payload=payload,
                entered_at=now,
            )
    except IntegrityError:
        return None
    visit_schedule(run, version.definition["steps"][0]["key"], now)
    return run


def automation_event_received(
    sender=None,
    *,
    trigger: str,
    customer_id: int,
    entry_key: str,
    payload: dict[str, Any] | None = None,
    **kwargs,
) -> None:
    """The receiver of ``core.automation_events.automation_event``, inside the
    sender's transaction: enrols the customer in every active funnel the event
    starts, and takes their runs with that goal out of their waits."""
    payload = payload or {}
    now = timezone.now()
    entry = plugins.automation_triggers.get(trigger)
    goals_reach(trigger=trigger, customer_id=customer_id, payload=payload, now=now)
    lookups = _lookups.get()
    funnels = lookups.funnels_for(trigger) if lookups else _funnels_started(trigger)
    for funnel in funnels:
        matches = entry.matches if entry is not None else None
        if matches is not None and not matches(funnel.trigger_params, payload):
            continue
        run_start(funnel, customer_id, entry_key, payload, now)


def goals_reach(
    *, trigger: str, customer_id: int, payload: dict[str, Any], now: datetime
) -> int:
    """Moves the customer's active runs whose version has a goal on ``trigger``
    (and whose parameters match) to that goal step; returns how many moved."""
    lookups = _lookups.get()
    versions = lookups.versions_with_goal(trigger) if lookups is not None else None
    if versions is not None and not versions:
        return 0  # no funnel has a goal on it: nothing to look up
    entry = plugins.automation_triggers.get(trigger)
    moved = 0
    runs = (
        Run.objects.select_for_update()
        .filter(
            customer_id=customer_id,
            state=Run.State.ACTIVE,
            converted_at__isnull=True,
        )
        .select_related("version")
        .order_by("pk")
    )
    if versions is not None:
        runs = runs.filter(version_id__in=versions)
    for run in runs:
        goal = next(
            (
                step
                for step in run.version.definition["steps"]
                if step["kind"] == "goal"
                and step["trigger"] == trigger
                and (
                    entry is None
                    or entry.matches is None
                    or entry.matches(step.get("params", {}), payload)
                )
            ),
            None,
        )
        if goal is None:
            continue
        visits_cancel(run, now, reason=_("Goal reached: %(key)s") % {"key": trigger})
        run.converted_at = now
        run.save(update_fields=["converted_at"])
        visit_schedule(run, goal["key"], now)
        moved += 1
    return moved


def enrolment_refusal(funnel: Funnel, *, is_test: bool = False) -> str:
    """Why nobody can be enrolled in the funnel now ("" if they can). The same
    rule as the events' and scans' (only active funnels start runs): a paused
    funnel takes nobody, neither by hand nor by trigger, until it is resumed; a
    draft takes only test runs (which the tick runs in drafts)."""
    if funnel.published_version_id is None:
        return _("Publish the funnel before enrolling customers.")
    if funnel.status == Funnel.Status.PAUSED:
        return _("“%(funnel)s” is paused: nobody enters it until it is resumed.") % {
            "funnel": funnel.name
        }
    if funnel.status != Funnel.Status.ACTIVE and not is_test:
        return _(
            "“%(funnel)s” is not active: activate it before enrolling customers."
        ) % {"funnel": funnel.name}
    return ""


@transaction.atomic(durable=True)
def funnel_enrol_customer(
    *, funnel: Funnel, customer: Customer, by=None, is_test: bool = False
) -> Run:
    """Adds one customer to a funnel (the card's "add to funnel", a test run);
    refused for a paused funnel (``enrolment_refusal``)."""
    # Its status now, not the caller's copy: paused meanwhile is refused.
    funnel = Funnel.objects.select_related("published_version").get(pk=funnel.pk)
    refusal = enrolment_refusal(funnel, is_test=is_test)
    if refusal:
        raise ValidationError(refusal)
    now = timezone.now()
    run = run_start(
        funnel,
        customer.pk,
        f"manual:{now.isoformat()}",
        {},
        now,
        is_test=is_test,
    )
    if run is None:
        raise ValidationError(
            _(
                "%(customer)s is already in “%(funnel)s” or its re-entry rule keeps "
                "them out."
            )
            % {"customer": customer.email, "funnel": funnel.name}
        )
    return run


def funnel_enrol(
    funnel: Funnel,
    customers: QuerySet[Customer],
    *,
    by=None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Enrols every customer of ``customers`` at once, set-based: one
    ``INSERT ... SELECT`` of runs and one of first visits per chunk of customer ids
    (each chunk its own transaction), skipping those the re-entry policy keeps out.
    ``progress(enrolled, total)`` is told after each chunk. Returns how many were
    enrolled; running it again enrols nobody twice. Refused for a funnel that is
    not active (``enrolment_refusal``); paused meanwhile, it stops before the next
    chunk (those enrolled so far wait, as every run of a paused funnel does).
    """
    funnel = Funnel.objects.select_related("published_version").get(pk=funnel.pk)
    refusal = enrolment_refusal(funnel)
    if refusal:
        raise ValidationError(refusal)
    version = funnel.published_version
    assert version is not None
    total = customers.count()
    bounds = customers.order_by().aggregate(low=Min("pk"), high=Max("pk"))
    if not total or bounds["low"] is None:
        if progress:
            progress(0, 0)
        return 0
    token = timezone.now().strftime("%Y%m%d%H%M%S%f")
    enrolled = 0
    start = bounds["low"]
    while start <= bounds["high"]:
        chunk = customers.filter(pk__gte=start, pk__lt=start + ENROL_CHUNK)
        with transaction.atomic():
            if start > bounds["low"] and not _still_active(funnel):
                break
            enrolled += _enrol_chunk(
                funnel, version, chunk, token, (start, start + ENROL_CHUNK)
            )
        start += ENROL_CHUNK
        if progress:
            progress(enrolled, total)
    return enrolled


def _still_active(funnel: Funnel) -> bool:
    """The funnel is still active (read under a row lock, so a pause waits for
    this chunk's commit and the next chunk sees it)."""
    return (
        Funnel.objects.select_for_update(no_key=True)
        .filter(pk=funnel.pk, status=Funnel.Status.ACTIVE)
        .exists()
    )


def _enrol_chunk(
    funnel: Funnel,
    version,
    customers: QuerySet,
    token: str,
    pk_range: tuple[int, int],
) -> int:
    now = timezone.now()
    first = version.definition["steps"][0]
    due_at = wait_end(first, now) if first["kind"] == "wait" else now
    ops = connection.ops
    run_table = ops.quote_name(Run._meta.db_table)
    visit_table = ops.quote_name(StepVisit._meta.db_table)
    subquery, sub_params = customers.order_by().values("id").query.sql_with_params()
    postgres = connection.vendor == "postgresql"
    # The keys run_entry_key gives: "c<id>:once", or one per enrolment.
    key_sql = "%s || CAST(c.id AS TEXT) || %s"
    suffix = ":once" if funnel.reentry == Funnel.Reentry.ONCE else f":manual:{token}"
    key_params = ["c", suffix]
    recent_sql, recent_params = "", []
    if funnel.reentry == Funnel.Reentry.AGAIN_AFTER:
        recent_sql = (
            f" AND NOT EXISTS (SELECT 1 FROM {run_table} o WHERE o.funnel_id = %s"  # noqa: S608
            " AND o.customer_id = c.id AND o.is_test = %s AND o.entered_at > %s)"
        )
        recent_params = [
            funnel.pk,
            False,
            ops.adapt_datetimefield_value(
                now - timedelta(days=funnel.reentry_days or 0)
            ),
        ]
    stamp = ops.adapt_datetimefield_value(now)
    run_params = [
        funnel.pk,
        version.pk,
        *key_params,
        Run.State.ACTIVE,
        False,
        stamp,
        *sub_params,
        *recent_params,
    ]
    visit_params = [
        first["key"],
        StepVisit.State.SCHEDULED,
        ops.adapt_datetimefield_value(due_at),
    ]
    # The customers' ids come straight from the queryset's own SELECT: no join
    # back to the customers' table (``c`` is the subquery).
    runs_select = (
        f" SELECT %s, %s, c.id, {key_sql}, %s, %s, {{payload}}, %s"  # noqa: S608
        f" FROM ({subquery}) c WHERE TRUE{recent_sql}"
    )
    run_columns = (
        f"{run_table} (funnel_id, version_id, customer_id, entry_key, state,"
        " is_test, payload, entered_at)"
    )
    visit_columns = (
        f"{visit_table} (run_id, step_key, visit, state, due_at, attempts, result,"
        " error)"
    )
    with connection.cursor() as cursor:
        if postgres:
            # One statement: the runs inserted give their first visits through
            # RETURNING (a NOT EXISTS over the visits, planned on stale
            # statistics, ran as a nested loop: 92 s for 50,000 runs).
            cursor.execute(
                f"WITH new AS (INSERT INTO {run_columns}"  # noqa: S608
                + runs_select.replace("{payload}", "CAST('{}' AS jsonb)")
                + " ON CONFLICT DO NOTHING RETURNING id)"  # noqa: S608
                f" INSERT INTO {visit_columns}"
                " SELECT new.id, %s, 1, %s, %s, 0, '', '' FROM new",
                [*run_params, *visit_params],
            )
        else:
            cursor.execute(
                f"INSERT OR IGNORE INTO {run_columns}"  # noqa: S608
                + runs_select.replace("{payload}", "'{}'"),
                run_params,
            )
            # The runs just inserted: this funnel's, entered at this very moment,
            # with no visit yet (every other active run has one).
            cursor.execute(
                f"INSERT INTO {visit_columns}"  # noqa: S608
                f" SELECT r.id, %s, 1, %s, %s, 0, '', '' FROM {run_table} r"
                " WHERE r.customer_id >= %s AND r.customer_id < %s"
                " AND r.funnel_id = %s AND r.entered_at = %s AND r.state = %s"
                f" AND r.is_test = %s AND NOT EXISTS (SELECT 1 FROM {visit_table} v"
                " WHERE v.run_id = r.id)",
                [
                    *visit_params,
                    *pk_range,
                    funnel.pk,
                    stamp,
                    Run.State.ACTIVE,
                    False,
                ],
            )
        count = max(cursor.rowcount, 0)
    if count:
        StepCounter.objects.filter(version=version, step_key=first["key"]).update(
            entered=F("entered") + count, waiting=F("waiting") + count
        )
    return count
