"""What the tests of the runs pages, the card's tab and the bulk enrolment share:
funnels with manual enrolment, and steps that fail for good."""

from __future__ import annotations

from automation.definition import MANUAL_TRIGGER
from automation.models import StepVisit
from automation.services import funnel_import, funnels_tick
from automation.services.tick import MAX_ATTEMPTS
from tests.automation.conftest import REFUSING, credit, document


def manual_funnel(name="Newsletter", steps=None, **kwargs):
    """An active funnel staff enrol by hand: a wait, then a credit."""
    steps = steps or [
        {"key": "pause", "kind": "wait", "duration": {"days": 2}, "next": "gift"},
        credit("gift"),
    ]
    return funnel_import(
        document=document(steps, trigger=MANUAL_TRIGGER, name=name, **kwargs),
        activate=True,
    )


def failing_funnel(name="Debit"):
    """An active manual funnel whose first step the REFUSING customers fail."""
    return manual_funnel(
        name=name,
        steps=[
            {"key": "debit", "kind": "action", "action": "test.refuse", "next": "c"},
            credit("c"),
        ],
    )


def fail_for_good(*customers) -> None:
    """Ticks until the refused steps of these customers have failed for good."""
    from datetime import timedelta

    from django.utils import timezone

    REFUSING.update(customer.pk for customer in customers)
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS + 1):
        funnels_tick(now=now)
        now += timedelta(days=1)
    assert not StepVisit.objects.filter(
        step_key="debit", state=StepVisit.State.SCHEDULED
    ).exists()
