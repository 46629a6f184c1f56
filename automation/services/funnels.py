"""Funnels: create, import and export the JSON document, publish a version,
activate, pause and resume."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from automation.definition import definition_validate
from automation.models import Funnel, FunnelVersion, Run, StepVisit
from automation.services.steps import counters_add, counters_create, visit_schedule

WAITING = (StepVisit.State.SCHEDULED, StepVisit.State.FAILED)


@transaction.atomic(durable=True)
def funnel_create(*, document: dict[str, Any]) -> Funnel:
    """A new draft funnel holding ``document`` (checked: nothing is saved if bad)."""
    definition_validate(document)
    return Funnel.objects.create(name=document["name"], draft=document)


@transaction.atomic(durable=True)
def funnel_import(*, document: Any, by=None, activate: bool = False) -> Funnel:
    """A funnel from its JSON document, published (and active with ``activate``).

    A bad document raises ``ValidationError`` with every problem, saving nothing.
    """
    definition_validate(document)
    funnel = Funnel.objects.create(name=document["name"], draft=document)
    _publish(funnel, by=by, moves=None)
    if activate:
        funnel.status = Funnel.Status.ACTIVE
        funnel.save(update_fields=["status", "updated_at"])
    return funnel


def funnel_export(funnel: Funnel) -> dict[str, Any]:
    """The funnel's JSON document: its published version, else its draft."""
    version = funnel.published_version
    document = copy.deepcopy(version.definition if version else funnel.draft)
    document["name"] = funnel.name
    return document


@transaction.atomic(durable=True)
def funnel_publish(
    *, funnel: Funnel, by=None, moves: dict[str, str] | None = None
) -> FunnelVersion:
    """Freezes the funnel's draft as its next version.

    Runs stay on the version they entered with. A step of the published version
    that has runs waiting in it and is gone from the draft needs ``moves``
    (``{old_step_key: new_step_key}``): those runs go on in the new version from
    that step; without it, publishing is refused and nothing changes.
    """
    funnel = Funnel.objects.select_for_update().get(pk=funnel.pk)
    return _publish(funnel, by=by, moves=moves)


def _publish(funnel: Funnel, *, by, moves: dict[str, str] | None) -> FunnelVersion:
    document = definition_validate(funnel.draft)
    new_keys = {step["key"] for step in document["steps"]}
    moves = moves or {}
    for old, new in moves.items():
        if new not in new_keys:
            raise ValidationError(
                _("Move '%(old)s' → '%(new)s': the new version has no step '%(new)s'.")
                % {"old": old, "new": new}
            )
    stranded: dict[str, list[int]] = {}
    for visit_id, step_key in StepVisit.objects.filter(
        run__funnel=funnel, run__state=Run.State.ACTIVE, state__in=WAITING
    ).values_list("pk", "step_key"):
        if step_key not in new_keys:
            stranded.setdefault(step_key, []).append(visit_id)
    missing = sorted(key for key in stranded if key not in moves)
    if missing:
        raise ValidationError(
            [
                ngettext(
                    "Step '%(key)s' is gone but %(count)d run is waiting in it: "
                    "say which step it moves to.",
                    "Step '%(key)s' is gone but %(count)d runs are waiting in it: "
                    "say which step they move to.",
                    len(stranded[key]),
                )
                % {"key": key, "count": len(stranded[key])}
                for key in missing
            ]
        )
    last = funnel.versions.order_by("-number").first()
    now = timezone.now()
    version = FunnelVersion.objects.create(
        funnel=funnel,
        number=(last.number + 1) if last else 1,
        definition=copy.deepcopy(document),
        published_at=now,
        published_by=by,
    )
    counters_create(version)
    reentry = document.get("reentry", {"policy": "once"})
    funnel.name = document["name"]
    funnel.trigger_key = document["trigger"]["key"]
    funnel.trigger_params = document["trigger"].get("params", {})
    funnel.reentry = reentry["policy"]
    again = reentry["policy"] == "again_after"
    funnel.reentry_days = reentry.get("days") if again else None
    funnel.published_version = version
    funnel.save()
    for step_key, visit_ids in stranded.items():
        for visit in (
            StepVisit.objects.select_for_update()
            .filter(pk__in=visit_ids)
            .select_related("run")
        ):
            run = visit.run
            counter = "failed" if visit.state == StepVisit.State.FAILED else "waiting"
            visit.state = StepVisit.State.CANCELLED
            visit.finished_at = now
            visit.result = _("Moved to step '%(key)s' of version %(number)d.") % {
                "key": moves[step_key],
                "number": version.number,
            }
            visit.save(update_fields=["state", "finished_at", "result"])
            counters_add(run, step_key, **{counter: -1})
            run.version = version
            run.save(update_fields=["version"])
            visit_schedule(run, moves[step_key], now, version=version)
    return version


@transaction.atomic(durable=True)
def funnel_activate(*, funnel: Funnel) -> Funnel:
    """Starts enrolling: the funnel must have a published version."""
    funnel = Funnel.objects.select_for_update().get(pk=funnel.pk)
    if funnel.published_version_id is None:
        raise ValidationError(_("Publish the funnel before activating it."))
    funnel.status = Funnel.Status.ACTIVE
    funnel.save(update_fields=["status", "updated_at"])
    return funnel


@transaction.atomic(durable=True)
def funnel_pause(*, funnel: Funnel) -> Funnel:
    """Stops new steps and new enrolments; waiting runs keep their place."""
    funnel = Funnel.objects.select_for_update().get(pk=funnel.pk)
    if funnel.status != Funnel.Status.ACTIVE:
        raise ValidationError(_("Only an active funnel can be paused."))
    funnel.status = Funnel.Status.PAUSED
    funnel.save(update_fields=["status", "updated_at"])
    return funnel


@transaction.atomic(durable=True)
def funnel_resume(*, funnel: Funnel) -> Funnel:
    """Runs what became due meanwhile at the next tick."""
    funnel = Funnel.objects.select_for_update().get(pk=funnel.pk)
    if funnel.status != Funnel.Status.PAUSED:
        raise ValidationError(_("Only a paused funnel can be resumed."))
    funnel.status = Funnel.Status.ACTIVE
    funnel.save(update_fields=["status", "updated_at"])
    return funnel
