"""The scheduler's health line and the dashboard's warning after five minutes
without a tick."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automation.models import Tick
from automation.selectors import scheduler_health
from automation.services import funnel_import, funnels_tick
from tests.automation.conftest import credit, document

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
