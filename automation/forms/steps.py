"""The small forms of the editor's own steps (wait, split, goal), an action
step's "too late after", and the choice of what a new step is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from automation.definition import MAX_WAIT, WEEKDAYS, too_late_after
from core import plugins

WEEKDAY_LABELS = [
    ("monday", gettext_lazy("Monday")),
    ("tuesday", gettext_lazy("Tuesday")),
    ("wednesday", gettext_lazy("Wednesday")),
    ("thursday", gettext_lazy("Thursday")),
    ("friday", gettext_lazy("Friday")),
    ("saturday", gettext_lazy("Saturday")),
    ("sunday", gettext_lazy("Sunday")),
]
assert [code for code, _label in WEEKDAY_LABELS] == list(WEEKDAYS)
MAX_SPLIT_ARMS = 10
MAX_TOO_LATE = timedelta(days=365)
END = ""  # "out of the funnel" in a select of steps


def step_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """What a new step in the flow can be, grouped; the value is "kind[:name]"."""
    return [
        (
            _("Actions"),
            [(f"action:{a.key}", str(a.label)) for a in plugins.automation_actions],
        ),
        (
            _("Flow"),
            [
                ("wait", str(pgettext_lazy("funnel step", "Wait"))),
                ("split", _("A/B split")),
                ("exit", str(pgettext_lazy("funnel step", "Exit"))),
            ],
        ),
        (
            _("If/else on a condition"),
            [
                (f"condition:{c.key}", str(c.label))
                for c in plugins.automation_conditions
            ],
        ),
    ]


def goal_choices() -> list[tuple[str, str]]:
    return [(f"goal:{t.key}", str(t.label)) for t in plugins.automation_triggers]


def what_parse(what: str) -> tuple[str, str]:
    """("action", "balance.assign_credits") from "action:balance.assign_credits";
    ``ValidationError`` for anything the registries do not know."""
    kind, _sep, name = (what or "").partition(":")
    registry: Any = {
        "action": plugins.automation_actions,
        "condition": plugins.automation_conditions,
        "goal": plugins.automation_triggers,
    }.get(kind)
    if kind in ("wait", "split", "exit") and not name:
        return kind, ""
    if registry is not None and name in registry:
        return kind, name
    raise ValidationError(_("Choose what the new step does."))


class StepChoiceForm(forms.Form):
    what = forms.ChoiceField(label=gettext_lazy("New step"))

    def __init__(self, *args, goal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        what: Any = self.fields["what"]
        what.choices = goal_choices() if goal else step_choices()
        if goal:
            self.fields["what"].label = gettext_lazy("Goal: when this happens")


class WaitForm(forms.Form):
    MODE_CHOICES = [
        ("duration", gettext_lazy("For a time")),
        ("until", gettext_lazy("Until a weekday and time")),
    ]

    mode = forms.ChoiceField(
        label=gettext_lazy("Wait"),
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        initial="duration",
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days"), required=False, min_value=0, max_value=MAX_WAIT.days
    )
    hours = forms.IntegerField(
        label=gettext_lazy("Hours"), required=False, min_value=0, max_value=23 * 100
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"), required=False, min_value=0, max_value=59 * 100
    )
    weekday = forms.ChoiceField(
        label=gettext_lazy("Weekday"), choices=WEEKDAY_LABELS, required=False
    )
    time = forms.TimeField(
        label=gettext_lazy("Time of day"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    @classmethod
    def initial_from(cls, step: dict) -> dict:
        if "until" in step:
            return {
                "mode": "until",
                "weekday": step["until"].get("weekday"),
                "time": step["until"].get("time"),
            }
        duration = step.get("duration", {"days": 1})
        return {"mode": "duration", **duration}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("mode") == "until":
            if not cleaned.get("weekday") or not cleaned.get("time"):
                raise ValidationError(_("Say which weekday and time to wait until."))
            return cleaned
        if not any(cleaned.get(unit) for unit in ("days", "hours", "minutes")):
            raise ValidationError(_("A wait needs a positive duration."))
        return cleaned

    def values(self) -> dict:
        cleaned = self.cleaned_data
        if cleaned["mode"] == "until":
            return {
                "until": {
                    "weekday": cleaned["weekday"],
                    "time": cleaned["time"].strftime("%H:%M"),
                }
            }
        return {
            "duration": {
                unit: cleaned[unit]
                for unit in ("days", "hours", "minutes")
                if cleaned.get(unit)
            }
        }


class SplitForm(forms.Form):
    percents = forms.CharField(
        label=gettext_lazy("Branches' percentages"),
        help_text=gettext_lazy("One per branch, adding to 100, e.g. 50, 50."),
        initial="50, 50",
        max_length=100,
    )

    @classmethod
    def initial_from(cls, step: dict) -> dict:
        return {
            "percents": ", ".join(
                str(branch.get("percent")) for branch in step.get("branches", [])
            )
        }

    def clean_percents(self):
        parts = [
            p.strip().rstrip("%") for p in self.cleaned_data["percents"].split(",")
        ]
        try:
            percents = [int(part) for part in parts if part]
        except ValueError:
            raise ValidationError(
                _("Write whole numbers separated by commas.")
            ) from None
        if not 2 <= len(percents) <= MAX_SPLIT_ARMS:
            raise ValidationError(
                _("A split has 2 to %(count)d branches.") % {"count": MAX_SPLIT_ARMS}
            )
        if any(not 0 < p < 100 for p in percents) or sum(percents) != 100:
            raise ValidationError(
                _("Each branch gets 1 to 99 percent, and they add up to 100.")
            )
        return percents

    def values(self) -> dict:
        return {
            "branches": [
                {"percent": percent, "next": None}
                for percent in self.cleaned_data["percents"]
            ]
        }


class GoalNextForm(forms.Form):
    next = forms.ChoiceField(
        label=gettext_lazy("Then"),
        required=False,
        help_text=gettext_lazy(
            "Where the customer goes on when the goal is reached (or out of the "
            "funnel)."
        ),
    )

    def __init__(self, *args, steps: list[dict], exclude: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["next"]
        field.choices = [(END, _("Out of the funnel"))] + [
            (step["key"], step["key"])
            for step in steps
            if step["key"] != exclude and step.get("kind") != "goal"
        ]

    def values(self) -> dict:
        return {"next": self.cleaned_data["next"] or None}


def _lateness_text(value: timedelta | None) -> str:
    if value is None:
        return _("never too late")
    days, hours = value.days, value.seconds // 3600
    if hours:
        return _("%(days)d days and %(hours)d hours") % {"days": days, "hours": hours}
    return _("%(days)d days") % {"days": days}


class TooLateForm(forms.Form):
    """An action step's "too late after": after downtime, an overdue step later
    than this is recorded as skipped, not run. Both fields empty: never too late.

    Shown filled with the step's value, else the action's default; a value equal
    to the action's default is stored as no value (the step follows the action).
    """

    prefix = "late"
    days = forms.IntegerField(
        label=gettext_lazy("Too late after (days)"),
        required=False,
        min_value=0,
        max_value=MAX_TOO_LATE.days,
    )
    hours = forms.IntegerField(
        label=gettext_lazy("and hours"), required=False, min_value=0, max_value=23
    )

    def __init__(self, *args, step: dict, default: timedelta | None, **kwargs):
        self.default = default
        current = too_late_after(step) if "too_late_after" in step else default
        if current is not None:
            kwargs.setdefault(
                "initial",
                {"days": current.days, "hours": current.seconds // 3600 or None},
            )
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = _(
            "An overdue step (after downtime) later than this is skipped, not run. "
            "Leave empty for never; 0 skips any delay. This action's default: "
            "%(default)s."
        ) % {"default": _lateness_text(default)}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        days, hours = cleaned.get("days"), cleaned.get("hours")
        if days is None and hours is None:
            cleaned["too_late_after"] = None
            return cleaned
        value = timedelta(days=days or 0, hours=hours or 0)
        if value > MAX_TOO_LATE:
            raise ValidationError(
                _("Too late after: at most %(days)d days.")
                % {"days": MAX_TOO_LATE.days}
            )
        cleaned["too_late_after"] = value
        return cleaned

    def values(self) -> dict:
        value = self.cleaned_data["too_late_after"]
        if value == self.default:
            return {}
        if value is None:
            return {"too_late_after": None}
        duration = {"days": value.days}
        if value.seconds:
            duration["hours"] = value.seconds // 3600
        return {"too_late_after": duration}
