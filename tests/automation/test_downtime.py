"""Three days without a scheduler, then a tick: the overdue credits are posted,
the e-mails gone stale are skipped and recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automation.models import StepVisit
from automation.services import funnel_enrol, funnel_import, funnels_tick
from customers.models import Customer
from tests.automation.conftest import credit, document, effects
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def test_three_days_down_then_a_tick():
    funnel = funnel_import(
        document=document(
            [
                {"key": "w", "kind": "wait", "duration": {"days": 1}, "next": "c"},
                credit("c", next="mail"),
                {"key": "mail", "kind": "action", "action": "test.email"},
            ],
            trigger="automation.manual",
        ),
        activate=True,
    )
    CustomerFactory.create_batch(6)
    funnel_enrol(funnel, Customer.objects.all())
    # The waits ended four days ago, while no scheduler ran.
    StepVisit.objects.update(due_at=timezone.now() - timedelta(days=4))
    report = funnels_tick()
    assert (report.done, report.skipped) == (12, 6)
    assert effects().count() == 6  # the credits, posted
    assert not effects("test_email").exists()
    reasons = set(
        StepVisit.objects.filter(step_key="mail").values_list("result", flat=True)
    )
    assert len(reasons) == 1 and next(iter(reasons)).startswith("Too late: due ")
    assert funnels_tick().processed == 0
    assert effects().count() == 6
