"""The example funnels of docs/funnels/ are good documents (the keys the other
apps register are stood in for when those apps are not installed)."""

import json
from pathlib import Path

import pytest

from automation.definition import definition_check, step_targets
from automation.services import funnel_export, funnel_import
from core import plugins

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "funnels"


@pytest.fixture
def stand_ins():
    added = []

    def need(registry, key, entry):
        if key not in registry:
            registry.register(entry)
            added.append((registry, key))

    for path in DOCS.glob("*.json"):
        document = json.loads(path.read_text())
        triggers = [document["trigger"]["key"]]
        for step in document["steps"]:
            if step["kind"] == "goal":
                triggers.append(step["trigger"])
            if step["kind"] == "action":
                need(
                    plugins.automation_actions,
                    step["action"],
                    plugins.AutomationAction(step["action"], "x", lambda *a, **k: ""),
                )
            if step["kind"] == "condition":
                need(
                    plugins.automation_conditions,
                    step["condition"],
                    plugins.AutomationCondition(step["condition"], "x", bool),
                )
        for key in triggers:
            need(plugins.automation_triggers, key, plugins.AutomationTrigger(key, "x"))
    yield
    for registry, key in added:
        registry.unregister(key)


@pytest.mark.parametrize("name", ["win-back.json", "welcome.json"])
def test_example_funnel_is_valid_and_round_trips(stand_ins, name):
    document = json.loads((DOCS / name).read_text())
    assert definition_check(document) == []
    assert funnel_export(funnel_import(document=document)) == document
    kinds = {step["kind"] for step in document["steps"]}
    if name == "win-back.json":
        assert {"action", "wait", "condition", "goal", "exit"} <= kinds
        assert any(t == "done" for s in document["steps"] for t in step_targets(s))
