"""The simulator: the path a customer would take through a funnel and what each
action would do, changing nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from automation.definition import duration_parse, split_bucket, split_next
from automation.models import Funnel
from core import plugins

# A loop through a wait is shown this many times, then the simulation stops.
MAX_SIMULATED = 50


@dataclass(frozen=True)
class SimulatedStep:
    key: str
    kind: str
    text: str


def funnel_simulate(funnel: Funnel, customer) -> list[SimulatedStep]:
    """The steps ``customer`` would go through, now (the draft if nothing is
    published). Actions are described (``describe``), conditions asked with
    ``simulate=True``: nothing is written."""
    version = funnel.published_version
    document = version.definition if version else funnel.draft
    steps = {step["key"]: step for step in document.get("steps", [])}
    context = plugins.AutomationContext(now=timezone.now(), simulate=True)
    path: list[SimulatedStep] = []
    key = document["steps"][0]["key"] if document.get("steps") else None
    while key is not None and len(path) < MAX_SIMULATED:
        step = steps[key]
        kind = step["kind"]
        following = step.get("next")
        if kind == "action":
            action = plugins.automation_actions.get(step["action"])
            if action is None:
                text = _("The action '%(key)s' is not available.") % {
                    "key": step["action"]
                }
            elif action.describe is not None:
                text = str(action.describe(customer, step.get("params", {}), context))
            else:
                text = _("Would run “%(action)s”.") % {"action": action.label}
        elif kind == "wait":
            if "duration" in step:
                text = _("Would wait %(duration)s.") % {
                    "duration": duration_parse(step["duration"])
                }
            else:
                text = _("Would wait until %(weekday)s at %(time)s.") % step["until"]
        elif kind == "condition":
            condition = plugins.automation_conditions.get(step["condition"])
            answer = bool(
                condition and condition.test(customer, step.get("params", {}), context)
            )
            following = step.get("yes") if answer else step.get("no")
            text = (
                _("Condition true: on to '%(key)s'.")
                if answer
                else _("Condition false: on to '%(key)s'.")
            ) % {"key": following}
        elif kind == "split":
            bucket = split_bucket(
                funnel_id=funnel.pk, step_key=key, customer_id=customer.pk
            )
            following = split_next(step, bucket)
            text = _("Split: branch '%(key)s'.") % {"key": following}
        elif kind == "goal":
            text = _("Goal step (reached early when its event happens).")
        else:
            text = _("Leaves the funnel.")
            following = None
        path.append(SimulatedStep(key=key, kind=kind, text=text))
        key = following
    return path
