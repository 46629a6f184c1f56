"""The funnel definition format, ``{"format": "clientela-funnel", "version": 1}``.

One checker, :func:`definition_check`, is used by the import, by publishing and by
the editor: it returns the document's problems, each saying where ("step 3
'wait-2': ..."). The format is documented in ``docs/automation.md``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import plugins

FORMAT = "clientela-funnel"
VERSION = 1
KINDS = ("action", "wait", "condition", "goal", "split", "exit")
REENTRY = ("once", "one_at_a_time", "again_after")
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
DURATION_UNITS = ("days", "hours", "minutes")
# A wait longer than this is surely a typo (and past it datetimes overflow).
MAX_WAIT = timedelta(days=3650)
MAX_STEPS = 200
MANUAL_TRIGGER = "automation.manual"


def duration_parse(value: Any) -> timedelta:
    """``{"days": 3, "hours": 2}`` as a ``timedelta``; ``ValueError`` if malformed,
    negative or too long."""
    if not isinstance(value, dict) or not value:
        raise ValueError(_('a duration is an object such as {"days": 3}'))
    unknown = set(value) - set(DURATION_UNITS)
    if unknown:
        raise ValueError(
            _("a duration takes days, hours and minutes, not %(names)s")
            % {"names": ", ".join(sorted(unknown))}
        )
    total = timedelta()
    for unit, amount in value.items():
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(_("%(unit)s must be a whole number") % {"unit": unit})
        if amount < 0:
            raise ValueError(_("a wait must be at least 0 %(unit)s") % {"unit": unit})
        if amount > MAX_WAIT.days * 24 * 60:
            raise ValueError(_("a duration must be at most 10 years"))
        total += timedelta(**{unit: amount})
    if total > MAX_WAIT:
        raise ValueError(_("a duration must be at most 10 years"))
    return total


def wait_until_parse(value: Any) -> tuple[int, time]:
    """``{"weekday": "monday", "time": "09:00"}`` as (0..6, time)."""
    if not isinstance(value, dict):
        raise ValueError(_('"until" is an object with a weekday and a time'))
    weekday = value.get("weekday")
    if weekday not in WEEKDAYS:
        raise ValueError(
            _("the weekday must be one of %(names)s") % {"names": ", ".join(WEEKDAYS)}
        )
    try:
        hour, minute = (int(part) for part in str(value.get("time", "")).split(":"))
        at = time(hour, minute)
    except ValueError:
        raise ValueError(_("the time must be HH:MM, e.g. 09:30")) from None
    return WEEKDAYS.index(weekday), at


def wait_end(step: dict, start: datetime) -> datetime:
    """When a wait step that starts at ``start`` ends."""
    if "duration" in step:
        return start + duration_parse(step["duration"])
    weekday, at = wait_until_parse(step["until"])
    zone = ZoneInfo(settings.TIME_ZONE)
    local = start.astimezone(zone)
    days_ahead = (weekday - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days_ahead), at, zone)
    if candidate < local:
        candidate = datetime.combine(
            local.date() + timedelta(days=days_ahead + 7), at, zone
        )
    return candidate


def split_bucket(*, funnel_id: int, step_key: str, customer_id: int) -> int:
    """0..99, the same for a customer at a split every time (also in simulations)."""
    digest = hashlib.sha256(f"{funnel_id}:{step_key}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def split_next(step: dict, bucket: int) -> str | None:
    total = 0
    for branch in step["branches"]:
        total += branch["percent"]
        if bucket < total:
            return branch.get("next")
    return step["branches"][-1].get("next")


def step_targets(step: dict) -> list[str | None]:
    """The step keys a step may lead to (``None``: the run ends)."""
    kind = step.get("kind")
    if kind == "exit":
        return []
    if kind == "condition":
        return [step.get("yes"), step.get("no")]
    if kind == "split":
        return [
            branch.get("next")
            for branch in step.get("branches", [])
            if isinstance(branch, dict)
        ]
    return [step.get("next")]


def too_late_after(step: dict) -> timedelta | None:
    """The lateness past which an overdue action step is skipped (None: never)."""
    if "too_late_after" in step:
        value = step["too_late_after"]
        return None if value is None else duration_parse(value)
    action = plugins.automation_actions.get(step.get("action", ""))
    return action.too_late_after if action else None


def _form_problems(form_class: Any, params: Any) -> list[str]:
    if not isinstance(params, dict):
        return [_("the parameters must be an object")]
    if form_class is None:
        return []
    form = form_class(data=params)
    if form.is_valid():
        return []
    problems = []
    for name, errors in form.errors.items():
        label = name if name == "__all__" else str(form.fields[name].label or name)
        for error in errors:
            problems.append(
                str(error) if name == "__all__" else f"{label}: {error}".rstrip()
            )
    return problems


def definition_check(document: Any) -> list[str]:
    """Every problem of a funnel document, each saying where; ``[]`` if it is good."""
    if not isinstance(document, dict):
        return [_("The file is not a funnel: a JSON object was expected.")]
    if document.get("format") != FORMAT:
        return [
            _('This is not a Clientela funnel: "format" must be "%(format)s".')
            % {"format": FORMAT}
        ]
    if document.get("version") != VERSION:
        return [
            _("Funnel format version %(version)s is not supported (only %(ours)s).")
            % {"version": document.get("version"), "ours": VERSION}
        ]
    problems: list[str] = []
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        problems.append(_("The funnel needs a name (at most 200 characters)."))
    problems += _trigger_problems(document.get("trigger"))
    problems += _reentry_problems(document.get("reentry", {"policy": "once"}))
    steps = document.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.append(_("The funnel needs at least one step."))
        return problems
    if len(steps) > MAX_STEPS:
        problems.append(
            _("A funnel has at most %(count)d steps.") % {"count": MAX_STEPS}
        )
        return problems
    keys: dict[str, int] = {}
    for number, step in enumerate(steps, start=1):
        where = _("step %(number)d") % {"number": number}
        if not isinstance(step, dict):
            problems.append(_("%(where)s: a step is an object") % {"where": where})
            continue
        key = step.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            problems.append(
                _("%(where)s: a step needs a key (at most 100 characters)")
                % {"where": where}
            )
            continue
        if key in keys:
            problems.append(
                _("%(where)s: the key '%(key)s' is already used by step %(other)d")
                % {"where": where, "key": key, "other": keys[key]}
            )
            continue
        keys[key] = number
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or not isinstance(step.get("key"), str):
            continue
        where = _("step %(number)d '%(key)s'") % {"number": number, "key": step["key"]}
        problems += [
            f"{where}: {problem}" for problem in _step_problems(step, set(keys))
        ]
    if not problems:
        problems += _cycle_problems(steps)
    return problems


def definition_validate(document: Any) -> dict:
    """The document if it is good, else ``ValidationError`` with every problem."""
    problems = definition_check(document)
    if problems:
        raise ValidationError(problems)
    return document


def _trigger_problems(trigger: Any) -> list[str]:
    if not isinstance(trigger, dict) or not trigger.get("key"):
        return [_("The funnel has no trigger: say what starts it.")]
    key = trigger["key"]
    entry = plugins.automation_triggers.get(key)
    if entry is None:
        return [_("Trigger: '%(key)s' is not a known trigger.") % {"key": key}]
    return [
        _("Trigger '%(key)s': %(problem)s") % {"key": key, "problem": problem}
        for problem in _form_problems(entry.form_class, trigger.get("params", {}))
    ]


def _reentry_problems(reentry: Any) -> list[str]:
    if not isinstance(reentry, dict) or reentry.get("policy") not in REENTRY:
        return [
            _("Re-entry: the policy must be one of %(names)s.")
            % {"names": ", ".join(REENTRY)}
        ]
    if reentry["policy"] == "again_after":
        days = reentry.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            return [_("Re-entry: again after how many days (1 to 3650)?")]
    return []


def _step_problems(step: dict, keys: set[str]) -> list[str]:
    kind = step.get("kind")
    if kind not in KINDS:
        return [_("the kind must be one of %(names)s") % {"names": ", ".join(KINDS)}]
    problems: list[str] = []
    if kind == "action":
        action = plugins.automation_actions.get(step.get("action", ""))
        if action is None:
            problems.append(
                _("'%(key)s' is not a known action") % {"key": step.get("action")}
            )
        else:
            problems += _form_problems(action.form_class, step.get("params", {}))
        if "too_late_after" in step and step["too_late_after"] is not None:
            try:
                duration_parse(step["too_late_after"])
            except ValueError as error:
                problems.append(_("too late after: %(e)s") % {"e": error})
    elif kind == "wait":
        if ("duration" in step) == ("until" in step):
            problems.append(_('a wait has either a "duration" or an "until"'))
        else:
            try:
                if "duration" in step:
                    duration_parse(step["duration"])
                else:
                    wait_until_parse(step["until"])
            except ValueError as error:
                problems.append(str(error))
    elif kind == "condition":
        condition = plugins.automation_conditions.get(step.get("condition", ""))
        if condition is None:
            problems.append(
                _("'%(key)s' is not a known condition") % {"key": step.get("condition")}
            )
        else:
            problems += _form_problems(condition.form_class, step.get("params", {}))
    elif kind == "goal":
        trigger = plugins.automation_triggers.get(step.get("trigger", ""))
        if trigger is None:
            problems.append(
                _("'%(key)s' is not a known trigger") % {"key": step.get("trigger")}
            )
        else:
            problems += _form_problems(trigger.form_class, step.get("params", {}))
    elif kind == "split":
        branches = step.get("branches")
        if (
            not isinstance(branches, list)
            or len(branches) < 2
            or not all(isinstance(branch, dict) for branch in branches)
        ):
            problems.append(_("a split has at least two branches"))
        else:
            percents = [branch.get("percent") for branch in branches]
            if (
                not all(
                    isinstance(p, int) and not isinstance(p, bool) and 0 < p < 100
                    for p in percents
                )
                or sum(percents) != 100
            ):  # type: ignore[arg-type]
                problems.append(
                    _("the branches' percentages must be whole numbers adding to 100")
                )
    for target in step_targets(step):
        if target is not None and target not in keys:
            problems.append(
                _("the next step '%(key)s' does not exist") % {"key": target}
            )
    return problems


def _cycle_problems(steps: list[dict]) -> list[str]:
    """A loop must go through a wait, or a run would spin in one tick forever."""
    by_key = {step["key"]: step for step in steps}
    edges = {
        key: [t for t in step_targets(step) if t is not None]
        for key, step in by_key.items()
        if step["kind"] != "wait"
    }
    state: dict[str, int] = {}  # 1: on the path, 2: explored

    def visit(key: str, path: list[str]) -> list[str] | None:
        state[key] = 1
        for target in edges.get(key, []):
            if target not in edges:  # a wait: the loop is broken there
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target] if target in path else None
            if state.get(target) is None:
                found = visit(target, [*path, target])
                if found:
                    return found
        state[key] = 2
        return None

    for key in edges:
        if state.get(key) is None:
            cycle = visit(key, [key])
            if cycle:
                return [
                    _("The steps %(path)s make a loop without a wait.")
                    % {"path": " → ".join(f"'{k}'" for k in cycle)}
                ]
    return []
