"""Editing a funnel's draft: its settings and its steps, added, changed, moved
and deleted with their links kept consistent.

Every service works on a copy of the draft, checks the result with
``definition_check`` and saves it only when it is good: a refused edit raises
``ValidationError`` with the messages saying where, and nothing changes. Runs are
never touched: they follow the published version until the draft is published.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from automation.definition import FORMAT, VERSION, definition_check, step_targets
from automation.models import Funnel

LINEAR = ("action", "wait", "goal")  # steps with one ``next``
MOVABLE = ("action", "wait")
FIRST = "__first__"  # "add at the start of the flow"


def draft_document(*, name: str, trigger_key: str) -> dict[str, Any]:
    """A new funnel's draft: its trigger and a single exit step."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "trigger": {"key": trigger_key, "params": {}},
        "reentry": {"policy": "once"},
        "steps": [{"key": "end", "kind": "exit"}],
    }


def _where(step: dict) -> str:
    return _("Step “%(key)s”") % {"key": step.get("key", "?")}


def _draft_save(funnel: Funnel, document: dict[str, Any]) -> Funnel:
    problems = definition_check(document)
    if problems:
        raise ValidationError(problems)
    funnel.draft = document
    funnel.save(update_fields=["draft", "updated_at"])
    return funnel


def _locked(funnel: Funnel) -> tuple[Funnel, dict[str, Any]]:
    funnel = Funnel.objects.select_for_update().get(pk=funnel.pk)
    return funnel, copy.deepcopy(funnel.draft)


def _step(document: dict[str, Any], key: str) -> dict:
    for step in document.get("steps", []):
        if step.get("key") == key:
            return step
    raise ValidationError(_("There is no step “%(key)s” in the draft.") % {"key": key})


def _retarget(document: dict[str, Any], old: str, new: str | None) -> None:
    """Every link to ``old`` now leads to ``new`` (``None``: the run ends)."""
    for step in document["steps"]:
        for name in ("next", "yes", "no"):
            if name in step and step[name] == old:
                step[name] = new
        for branch in step.get("branches", []) or []:
            if isinstance(branch, dict) and branch.get("next") == old:
                branch["next"] = new


def _incoming(document: dict[str, Any], key: str) -> list[dict]:
    return [step for step in document["steps"] if key in step_targets(step)]


def step_key_new(document: dict[str, Any], base: str) -> str:
    """A key not used yet in the document: ``base``, else ``base-2``, ``base-3``..."""
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:90] or "step"
    used = {step.get("key") for step in document.get("steps", [])}
    if base not in used:
        return base
    number = 2
    while f"{base}-{number}" in used:
        number += 1
    return f"{base}-{number}"


def _link_out(step: dict, target: str | None) -> None:
    """The new step's outgoing links all lead to ``target``."""
    kind = step["kind"]
    if kind == "exit":
        for name in ("next", "yes", "no", "branches"):
            step.pop(name, None)
    elif kind == "condition":
        step["yes"] = target
        step["no"] = target
    elif kind == "split":
        for branch in step["branches"]:
            branch["next"] = target
    else:
        step["next"] = target


@transaction.atomic(durable=True)
def draft_settings_update(
    *,
    funnel: Funnel,
    name: str,
    trigger_key: str,
    trigger_params: dict[str, Any],
    reentry: str,
    reentry_days: int | None = None,
) -> Funnel:
    """The draft's name, trigger (with its parameters) and re-entry policy."""
    funnel, document = _locked(funnel)
    document["name"] = name
    document["trigger"] = {"key": trigger_key, "params": trigger_params}
    document["reentry"] = (
        {"policy": reentry, "days": reentry_days}
        if reentry == Funnel.Reentry.AGAIN_AFTER
        else {"policy": reentry}
    )
    _draft_save(funnel, document)
    # The name is no rule: the list shows the new one at once.
    funnel.name = name
    funnel.save(update_fields=["name"])
    return funnel


@transaction.atomic(durable=True)
def draft_step_add(
    *,
    funnel: Funnel,
    step: dict[str, Any],
    after: str | None = None,
    branch: str | None = None,
) -> str:
    """Inserts ``step`` (its kind and parameters; no links) into the flow and
    returns its key.

    ``after`` is the step it follows (``FIRST`` or ``None``: the start of the flow);
    for a condition ``branch`` is "yes" or "no", for a split the arm's number
    (from 0). The new step leads to what its place led to. A goal is not in the
    flow: it is added apart, leading to ``step["next"]`` (or out of the funnel).
    """
    funnel, document = _locked(funnel)
    steps = document["steps"]
    step = copy.deepcopy(step)
    step["key"] = step.get("key") or step_key_new(document, step["kind"])
    if any(existing.get("key") == step["key"] for existing in steps):
        raise ValidationError(
            _("%(where)s: the key is already used.") % {"where": _where(step)}
        )
    if step["kind"] == "goal":
        step.setdefault("next", None)
        steps.append(step)
    elif after in (None, "", FIRST):
        _link_out(step, steps[0]["key"] if steps else None)
        steps.insert(0, step)
    else:
        previous = _step(document, str(after))
        target = _place_take(previous, branch, step["key"])
        _link_out(step, target)
        steps.insert(steps.index(previous) + 1, step)
    _draft_save(funnel, document)
    return step["key"]


def _place_take(previous: dict, branch: str | None, key: str) -> str | None:
    """Points ``previous``'s link at ``branch`` to ``key``; returns where it led."""
    kind = previous["kind"]
    if kind == "exit":
        raise ValidationError(
            _("%(where)s: nothing comes after an exit.") % {"where": _where(previous)}
        )
    if kind == "condition":
        if branch not in ("yes", "no"):
            raise ValidationError(
                _("%(where)s: say in which branch (yes or no) the step goes.")
                % {"where": _where(previous)}
            )
        target = previous.get(branch)
        previous[branch] = key
        return target
    if kind == "split":
        branches = previous.get("branches", [])
        try:
            arm = branches[int(branch or "")]
        except (ValueError, IndexError):
            raise ValidationError(
                _("%(where)s: say in which branch of the split the step goes.")
                % {"where": _where(previous)}
            ) from None
        target = arm.get("next")
        arm["next"] = key
        return target
    target = previous.get("next")
    previous["next"] = key
    return target


@transaction.atomic(durable=True)
def draft_step_update(*, funnel: Funnel, key: str, values: dict[str, Any]) -> Funnel:
    """Replaces the step's settings (action and parameters, duration...) with
    ``values``; its key, kind and links stay (but a goal's ``next``, which is
    one of its settings). A split's arms keep their links
    (a new arm leads where the last one did)."""
    funnel, document = _locked(funnel)
    step = _step(document, key)
    links = {name: step[name] for name in ("next", "yes", "no") if name in step}
    if step["kind"] == "goal" and "next" in values:
        # A goal's link is one of its settings: where the customer goes on.
        links.pop("next", None)
        if values["next"] is not None:
            links["next"] = values["next"]
        values = {name: value for name, value in values.items() if name != "next"}
    old_arms = step.get("branches", [])
    kind = step["kind"]
    for name in [name for name in step if name not in ("key", "kind")]:
        del step[name]
    step.update(
        {name: value for name, value in values.items() if name not in ("key", "kind")}
    )
    step.update(links)
    if kind == "split":
        arms = step.get("branches", [])
        for number, arm in enumerate(arms):
            if number < len(old_arms):
                arm["next"] = old_arms[number].get("next")
            else:
                arm["next"] = old_arms[-1].get("next") if old_arms else None
    return _draft_save(funnel, document)


@transaction.atomic(durable=True)
def draft_step_move(*, funnel: Funnel, key: str, direction: str) -> Funnel:
    """Swaps an action or a wait with the action or wait just before it ("up")
    or just after it ("down") in its branch."""
    funnel, document = _locked(funnel)
    step = _step(document, key)
    if direction == "down":
        following = step.get("next") if step["kind"] in MOVABLE else None
        if following is None or _step(document, following)["kind"] not in MOVABLE:
            raise ValidationError(
                _("%(where)s: there is no action or wait after it to swap with.")
                % {"where": _where(step)}
            )
        upper, lower = step, _step(document, following)
    elif direction == "up":
        sources = _incoming(document, key)
        if step["kind"] not in MOVABLE or len(sources) != 1:
            raise ValidationError(
                _("%(where)s: there is no action or wait before it to swap with.")
                % {"where": _where(step)}
            )
        upper, lower = sources[0], step
        if upper["kind"] not in MOVABLE:
            raise ValidationError(
                _("%(where)s: there is no action or wait before it to swap with.")
                % {"where": _where(step)}
            )
    else:
        raise ValidationError(_("Move a step up or down."))
    if len(_incoming(document, lower["key"])) != 1:
        raise ValidationError(
            _("%(where)s: several steps lead to it, so it cannot change place.")
            % {"where": _where(lower)}
        )
    # ... → upper → lower → after   becomes   ... → lower → upper → after
    after = lower.get("next")
    if after == upper["key"]:
        raise ValidationError(
            _("%(where)s: it loops with “%(other)s”; swapping them changes nothing.")
            % {
                "where": _where(step),
                "other": (lower if step is upper else upper)["key"],
            }
        )
    _retarget(document, upper["key"], lower["key"])
    lower["next"] = upper["key"]
    upper["next"] = after
    steps = document["steps"]
    one, two = steps.index(upper), steps.index(lower)
    steps[one], steps[two] = steps[two], steps[one]
    return _draft_save(funnel, document)


@transaction.atomic(durable=True)
def draft_step_delete(*, funnel: Funnel, key: str, keep: str | None = None) -> Funnel:
    """Removes the step; what led to it leads to what followed it. A condition
    or a split keeps one branch (``keep``: "yes"/"no" or the arm's number; the
    first by default); the other branches' steps stay, unconnected, to be deleted
    or linked again."""
    funnel, document = _locked(funnel)
    step = _step(document, key)
    kind = step["kind"]
    if kind == "condition":
        following = step.get("no" if keep == "no" else "yes")
    elif kind == "split":
        branches = step.get("branches", [])
        try:
            following = branches[int(keep or 0)].get("next")
        except (ValueError, IndexError):
            raise ValidationError(
                _("%(where)s: say which branch of the split to keep.")
                % {"where": _where(step)}
            ) from None
    elif kind == "exit":
        following = None
    else:
        following = step.get("next")
    if following == key:
        following = None
    steps = document["steps"]
    first = steps[0] is step
    steps.remove(step)
    _retarget(document, key, following)
    if first and following is not None:
        # The flow now starts where the deleted step led.
        new_first = _step(document, following)
        steps.remove(new_first)
        steps.insert(0, new_first)
    if steps and steps[0]["kind"] == "goal":
        raise ValidationError(
            _("%(where)s: the flow would start with a goal; add a step first.")
            % {"where": _where(step)}
        )
    return _draft_save(funnel, document)


@transaction.atomic(durable=True)
def draft_discard(*, funnel: Funnel) -> Funnel:
    """The draft goes back to the published version (refused when nothing is
    published yet)."""
    funnel = (
        Funnel.objects.select_for_update(of=("self",))
        .select_related("published_version")
        .get(pk=funnel.pk)
    )
    if funnel.published_version is None:
        raise ValidationError(
            _("Nothing is published yet: there is nothing to go back to.")
        )
    funnel.draft = copy.deepcopy(funnel.published_version.definition)
    funnel.name = funnel.draft["name"]
    funnel.save(update_fields=["draft", "name", "updated_at"])
    return funnel


def draft_changed(funnel: Funnel) -> bool:
    """Whether the draft differs from the published version (or nothing is
    published)."""
    version = funnel.published_version
    if version is None:
        return True
    return funnel.draft != version.definition
