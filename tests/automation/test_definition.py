"""The definition format's checks: each bad input refused with a message that
says where, and nothing saved."""

import pytest
from django.core.exceptions import ValidationError

from automation.definition import definition_check
from automation.models import Funnel, FunnelVersion
from automation.services import funnel_import
from tests.automation.conftest import credit, document

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def test_definition_check_accepts_every_kind():
    steps = [
        credit(next="wait"),
        {"key": "wait", "kind": "wait", "duration": {"days": 2}, "next": "city"},
        {
            "key": "city",
            "kind": "condition",
            "condition": "test.city",
            "params": {"city": "Rome"},
            "yes": "split",
            "no": "until",
        },
        {
            "key": "until",
            "kind": "wait",
            "until": {"weekday": "monday", "time": "09:00"},
            "next": "credit",  # a loop, through a wait: fine
        },
        {
            "key": "split",
            "kind": "split",
            "branches": [{"percent": 30, "next": "out"}, {"percent": 70}],
        },
        {"key": "goal", "kind": "goal", "trigger": "test.goal", "next": "out"},
        {"key": "out", "kind": "exit"},
    ]
    assert definition_check(document(steps)) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.pop("trigger"),
            "The funnel has no trigger: say what starts it.",
        ),
        (
            lambda d: d["trigger"].update(key="nope.never"),
            "Trigger: 'nope.never' is not a known trigger.",
        ),
        (
            lambda d: d["steps"].insert(
                1, {"key": "wait-2", "kind": "wait", "duration": {"days": -1}}
            ),
            "step 2 'wait-2': a wait must be at least 0 days",
        ),
        (
            lambda d: d["steps"][0]["params"].update(amount=0),
            "step 1 'credit': Amount: Ensure this value is greater than or equal to 1.",
        ),
        (
            lambda d: d["steps"][0].update(action="nope.never"),
            "step 1 'credit': 'nope.never' is not a known action",
        ),
        (
            lambda d: d["steps"][0].update(next="ghost"),
            "step 1 'credit': the next step 'ghost' does not exist",
        ),
        (
            lambda d: d["steps"][0].update(next="credit"),
            "The steps 'credit' → 'credit' make a loop without a wait.",
        ),
        (
            lambda d: d.update(format="mautic-campaign"),
            'This is not a Clientela funnel: "format" must be "clientela-funnel".',
        ),
        (
            lambda d: d.update(version=2),
            "Funnel format version 2 is not supported (only 1).",
        ),
        (
            lambda d: d["steps"].append(
                {"key": "c", "kind": "condition", "condition": "x.y", "yes": "credit"}
            ),
            "step 2 'c': 'x.y' is not a known condition",
        ),
        (
            lambda d: d["steps"].append(
                {
                    "key": "s",
                    "kind": "split",
                    "branches": [{"percent": 50}] * 2 + [{"percent": 1}],
                }
            ),
            "step 2 's': the branches' percentages must be whole numbers adding to 100",
        ),
        (
            lambda d: d["steps"].append(credit()),
            "step 2: the key 'credit' is already used by step 1",
        ),
        (
            lambda d: d.update(reentry={"policy": "again_after", "days": 0}),
            "Re-entry: again after how many days (1 to 3650)?",
        ),
    ],
)
def test_definition_check_says_where(change, message):
    bad = document([credit()])
    change(bad)
    assert message in definition_check(bad)


def test_definition_check_finds_a_longer_loop_without_a_wait():
    steps = [credit("a", next="b"), credit("b", next="c"), credit("c", next="a")]
    assert definition_check(document(steps)) == [
        "The steps 'a' → 'b' → 'c' → 'a' make a loop without a wait."
    ]


def test_definition_check_refuses_what_is_not_an_object():
    assert definition_check([1, 2]) == [
        "The file is not a funnel: a JSON object was expected."
    ]


def test_funnel_import_of_a_bad_document_saves_nothing():
    bad = document(
        [{"key": "wait-1", "kind": "wait", "duration": {"days": -1}}], trigger=""
    )
    with pytest.raises(ValidationError) as error:
        funnel_import(document=bad)
    assert error.value.messages == [
        "The funnel has no trigger: say what starts it.",
        "step 1 'wait-1': a wait must be at least 0 days",
    ]
    assert not Funnel.objects.exists()
    assert not FunnelVersion.objects.exists()
