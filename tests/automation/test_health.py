"""The scheduler's health line and the dashboard's warning after five minutes
without a tick."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from automation.models import Funnel, Tick
from automation.selectors import scheduler_health
from automation.services import funnel_enrol, funnel_import, funnels_tick
from customers.models import Customer
from tests.automation.conftest import credit, document
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db]


def test_health_is_stale_only_with_an_active_funnel_and_no_recent_tick():
    assert not scheduler_health().stale  # nothing to run
    funnel_import(document=document([credit()]), activate=True)
    assert scheduler_health().stale  # never ticked
    funnels_tick()
    assert not scheduler_health().stale
    later = timezone.now() + timedelta(minutes=6)
    assert scheduler_health(now=later).stale


def test_dashboard_warns_when_the_scheduler_stopped(client, manager_user):
    funnel_import(document=document([credit()]), activate=True)
    Tick.objects.create(pk=1, last_tick_at=timezone.now() - timedelta(minutes=7))
    client.force_login(manager_user)
    page = client.get("/staff/").content.decode()
    assert "The funnel scheduler has not run for 7" in page
    funnels_tick()
    page = client.get("/staff/").content.decode()
    assert "has not run for" not in page
    assert "Last tick" in page


def test_the_scheduler_box_shows_only_once_a_funnel_is_active(client, manager_user):
    client.force_login(manager_user)
    assert "Funnel scheduler" not in client.get("/staff/").content.decode()
    funnel_import(document=document([credit()]), activate=True)
    funnels_tick()
    page = client.get("/staff/").content.decode()
    assert "Funnel scheduler" in page
    assert "Last tick" in page


def test_staff_without_the_permission_see_no_funnel_box(client, staff_user):
    funnel_import(document=document([credit()]), activate=True)
    client.force_login(staff_user)
    assert "funnel scheduler" not in client.get("/staff/").content.decode()


def test_the_backlog_is_counted_up_to_a_cap_and_said_as_more_than_it(
    client, manager_user, monkeypatch
):
    monkeypatch.setattr("automation.selectors.BACKLOG_COUNT_CAP", 3)
    monkeypatch.setattr("automation.services.tick.BACKLOG_COUNT_CAP", 3)
    funnel = funnel_import(
        document=document([credit()], trigger="automation.manual"), activate=True
    )
    for _n in range(5):
        CustomerFactory()
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick(limit=0)  # records the health, runs nothing
    tick = Tick.objects.get(pk=1)
    assert tick.backlog == 4  # counted to the cap and one more, not to 5
    assert tick.oldest_due_at is not None
    health = scheduler_health()
    assert health.backlog_over_cap
    client.force_login(manager_user)
    page = client.get("/staff/").content.decode()
    assert "more than 3 steps due" in page
    out = StringIO()
    call_command("run_funnels", "--batch", "2", stdout=out)
    # The command ran every step before it reported: nothing is left due.
    assert "Backlog: 0 steps due." in out.getvalue()
    monkeypatch.setattr("automation.selectors.BACKLOG_COUNT_CAP", 10)
    monkeypatch.setattr("automation.services.tick.BACKLOG_COUNT_CAP", 10)
    CustomerFactory()
    funnel_enrol(funnel, Customer.objects.all())
    funnels_tick(limit=0)
    assert Tick.objects.get(pk=1).backlog == 1
    assert not scheduler_health().backlog_over_cap
    assert "1 step due" in client.get("/staff/").content.decode()


def test_the_command_says_more_than_the_cap(monkeypatch):
    monkeypatch.setattr("automation.selectors.BACKLOG_COUNT_CAP", 2)
    monkeypatch.setattr("automation.services.tick.BACKLOG_COUNT_CAP", 2)
    funnel = funnel_import(
        document=document([credit()], trigger="automation.manual"), activate=True
    )
    for _n in range(4):
        CustomerFactory()
    funnel_enrol(funnel, Customer.objects.all())
    # A paused funnel's due steps stay due: the backlog the command reports.
    Funnel.objects.filter(pk=funnel.pk).update(status=Funnel.Status.PAUSED)
    out = StringIO()
    call_command("run_funnels", stdout=out)
    assert "Backlog: more than 2 steps due." in out.getvalue()
