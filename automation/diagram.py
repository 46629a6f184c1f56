"""The editor's drawing of a funnel definition: the flow from its first step as a
tree of nodes (a condition's or a split's branches side by side, joining again
where they meet), then the goals, then any step nothing leads to.

Pure reads of the JSON document (plus the registries' labels); the template
``automation/staff/editor_flow.html`` draws the nodes with HTML and CSS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from automation.definition import WEEKDAYS, duration_parse, step_targets
from core import plugins

SUMMARY_TEXT_MAX = 80


@dataclass
class Branch:
    label: str
    value: str  # the ``branch`` argument of draft_step_add
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Node:
    """``kind``: "step" (a step, with its branches), "goto" (a link back to a
    step drawn elsewhere) or "end" (the run ends here)."""

    kind: str
    key: str = ""
    step: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    text: str = ""
    counter: Any = None
    branches: list[Branch] = field(default_factory=list)
    first: bool = False

    @property
    def step_kind(self) -> str:
        return self.step.get("kind", "")

    @property
    def linear(self) -> bool:
        return self.step_kind in ("action", "wait", "goal")

    @property
    def movable(self) -> bool:
        return self.step_kind in ("action", "wait")


@dataclass
class Diagram:
    flow: list[Node]
    goals: list[list[Node]]
    unconnected: list[list[Node]]


class _SampleCustomer:
    """Who an action's ``describe`` talks about in the editor: nobody in
    particular (the shortcodes stay as written)."""

    pk = None
    id = None
    first_name = "{first_name}"
    last_name = ""
    newsletter_subscribed = True

    def __init__(self) -> None:
        self.email = _("the customer")
        self.language = translation.get_language() or "en"


def _text_value(value: Any) -> str:
    if isinstance(value, dict):
        language = translation.get_language() or ""
        value = value.get(language) or next(iter(value.values()), "")
    text = " ".join(strip_tags(str(value)).split())
    if len(text) > SUMMARY_TEXT_MAX:
        text = text[: SUMMARY_TEXT_MAX - 1] + "…"
    return text


def params_summary(form_class: Any, params: dict[str, Any]) -> str:
    """ "Label: value" for each parameter, in the form's order."""
    if not params:
        return ""
    labels: dict[str, str] = {}
    if form_class is not None:
        try:
            labels = {
                name: str(form_field.label or name)
                for name, form_field in form_class().fields.items()
            }
        except Exception:  # noqa: BLE001 - a label is no reason to break the page
            labels = {}
    parts = []
    for name, value in params.items():
        if value in (None, "", [], {}):
            continue
        parts.append(f"{labels.get(name, name)}: {_text_value(value)}")
    return "; ".join(parts)


def step_title(step: dict[str, Any]) -> str:
    kind = step.get("kind")
    if kind == "action":
        action = plugins.automation_actions.get(step.get("action", ""))
        return str(action.label) if action else str(step.get("action"))
    if kind == "wait":
        return pgettext("funnel step", "Wait")
    if kind == "condition":
        condition = plugins.automation_conditions.get(step.get("condition", ""))
        label = str(condition.label) if condition else str(step.get("condition"))
        return _("If: %(condition)s") % {"condition": label}
    if kind == "split":
        return _("A/B split")
    if kind == "goal":
        trigger = plugins.automation_triggers.get(step.get("trigger", ""))
        label = str(trigger.label) if trigger else str(step.get("trigger"))
        return _("Goal: %(trigger)s") % {"trigger": label}
    return pgettext("funnel step", "Exit")


def step_text(step: dict[str, Any]) -> str:
    """What the step does, in a line."""
    kind = step.get("kind")
    params = step.get("params", {}) or {}
    if kind == "action":
        action = plugins.automation_actions.get(step.get("action", ""))
        if action is None:
            return _("This action is not available.")
        summary = params_summary(action.form_class, params)
        if action.describe is not None:
            try:
                context = plugins.AutomationContext(simulate=True)
                described = str(action.describe(_SampleCustomer(), params, context))
            except Exception:  # noqa: BLE001 - fall back to the parameters
                described = ""
            if described:
                return f"{described} ({summary})" if summary else described
        return summary
    if kind == "wait":
        if "duration" in step:
            return wait_duration_text(step["duration"])
        until = step.get("until", {})
        weekday = until.get("weekday", "")
        return _("Until %(weekday)s at %(time)s") % {
            "weekday": weekday_label(weekday),
            "time": until.get("time", ""),
        }
    if kind == "condition":
        condition = plugins.automation_conditions.get(step.get("condition", ""))
        return params_summary(condition.form_class if condition else None, params)
    if kind == "split":
        return " / ".join(
            f"{branch.get('percent')}%" for branch in step.get("branches", [])
        )
    if kind == "goal":
        trigger = plugins.automation_triggers.get(step.get("trigger", ""))
        return params_summary(trigger.form_class if trigger else None, params) or _(
            "Takes the customer out of the waits when it happens."
        )
    return _("Leaves the funnel.")


def weekday_label(weekday: str) -> str:
    from automation.forms.steps import WEEKDAY_LABELS

    return str(dict(WEEKDAY_LABELS).get(weekday, weekday))


def wait_duration_text(duration: dict[str, int]) -> str:
    try:
        total = duration_parse(duration)
    except ValueError:
        return str(duration)
    days, rest = total.days, total.seconds
    hours, minutes = rest // 3600, rest % 3600 // 60
    parts = []
    if days:
        parts.append(
            ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        )
    if hours:
        parts.append(
            ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        )
    if minutes:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes)
            % {"count": minutes}
        )
    return ", ".join(parts) or _("no time (goes on at once)")


def _reach(steps: dict[str, dict], start: str | None) -> list[str]:
    """The keys reachable from ``start`` (itself included), depth first."""
    order: list[str] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        key = stack.pop()
        if key is None or key in seen or key not in steps:
            continue
        seen.add(key)
        order.append(key)
        stack.extend(reversed(step_targets(steps[key])))
    return order


def _join(steps: dict[str, dict], targets: list[str | None]) -> str | None:
    """Where the branches meet again: the first step every one of them reaches."""
    reaches = [_reach(steps, target) for target in targets]
    if not reaches or any(not reach for reach in reaches):
        return None
    others = [set(reach) for reach in reaches[1:]]
    for key in reaches[0]:
        if all(key in other for other in others):
            return key
    return None


class _Builder:
    def __init__(self, document: dict[str, Any], counters: dict[str, Any]):
        self.ordered = [s for s in document.get("steps", []) if isinstance(s, dict)]
        self.steps = {step["key"]: step for step in self.ordered}
        self.counters = counters
        self.drawn: set[str] = set()
        self.first = self.ordered[0]["key"] if self.ordered else None

    def node(self, step: dict) -> Node:
        return Node(
            kind="step",
            key=step["key"],
            step=step,
            title=step_title(step),
            text=step_text(step),
            counter=self.counters.get(step["key"]),
            first=step["key"] == self.first,
        )

    def chain(self, key: str | None, stops: frozenset[str | None]) -> list[Node]:
        nodes: list[Node] = []
        while True:
            if key is None:
                if None not in stops:
                    nodes.append(Node(kind="end"))
                return nodes
            if key in stops:
                return nodes
            if key in self.drawn or key not in self.steps:
                nodes.append(Node(kind="goto", key=key))
                return nodes
            step = self.steps[key]
            self.drawn.add(key)
            node = self.node(step)
            nodes.append(node)
            kind = step["kind"]
            if kind == "exit":
                return nodes
            if kind in ("condition", "split"):
                targets = step_targets(step)
                join = _join(self.steps, targets)
                inner = stops | {join} if join is not None else stops
                if kind == "condition":
                    labels = [
                        (pgettext("condition branch", "Yes"), "yes"),
                        (pgettext("condition branch", "No"), "no"),
                    ]
                else:
                    labels = [
                        (
                            _("Branch %(letter)s (%(percent)s%%)")
                            % {
                                "letter": chr(ord("A") + number),
                                "percent": branch.get("percent"),
                            },
                            str(number),
                        )
                        for number, branch in enumerate(step.get("branches", []))
                    ]
                for (label, value), target in zip(labels, targets, strict=False):
                    node.branches.append(
                        Branch(
                            label=label, value=value, nodes=self.chain(target, inner)
                        )
                    )
                if join is None:
                    return nodes
                key = join
                continue
            key = step.get("next")

    def build(self) -> Diagram:
        flow = self.chain(self.first, frozenset()) if self.first else []
        goals = [
            self.chain(step["key"], frozenset())
            for step in self.ordered
            if step["kind"] == "goal" and step["key"] not in self.drawn
        ]
        unconnected = [
            self.chain(step["key"], frozenset())
            for step in self.ordered
            if step["key"] not in self.drawn
        ]
        return Diagram(flow=flow, goals=goals, unconnected=unconnected)


def diagram_build(document: dict[str, Any], counters: dict[str, Any]) -> Diagram:
    """The drawing of ``document``; ``counters`` maps step keys to their
    ``StepCounter`` (of the published version)."""
    return _Builder(document, counters).build()


__all__ = ["WEEKDAYS", "Branch", "Diagram", "Node", "diagram_build"]
