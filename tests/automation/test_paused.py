"""A paused funnel takes nobody, by any path (the card's "Add to funnel", the
list's bulk action, ``funnel_enrol``, trigger events, time-based scans), and runs
no step; resuming it runs what fell due meanwhile (docs/automation.md)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from automation.models import Run, StepVisit
from automation.services import (
    enrolment,
    funnel_enrol,
    funnel_enrol_customer,
    funnel_import,
    funnel_pause,
    funnel_resume,
    funnels_tick,
)
from core import plugins
from core.automation_events import automation_event_send
from customers.models import Customer
from tests.automation.conftest import SCAN_HITS, credit, document, effects
from tests.automation.runs_support import manual_funnel
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

PAUSED = "“Newsletter” is paused: nobody enters it until it is resumed."


def test_the_services_refuse_a_paused_funnel_and_change_nothing():
    funnel = manual_funnel()
    customer = CustomerFactory()
    funnel_pause(funnel=funnel)
    with pytest.raises(ValidationError, match=PAUSED):
        funnel_enrol_customer(funnel=funnel, customer=customer)
    with pytest.raises(ValidationError, match=PAUSED):
        funnel_enrol_customer(funnel=funnel, customer=customer, is_test=True)
    with pytest.raises(ValidationError, match=PAUSED):
        funnel_enrol(funnel, Customer.objects.all())
    assert not Run.objects.exists() and not StepVisit.objects.exists()
    funnel_resume(funnel=funnel)
    assert funnel_enrol(funnel, Customer.objects.all()) == 1


def test_a_stale_copy_of_the_funnel_does_not_get_past_the_pause():
    funnel = manual_funnel()
    stale = type(funnel).objects.get(pk=funnel.pk)  # read while active
    funnel_pause(funnel=funnel)
    with pytest.raises(ValidationError, match=PAUSED):
        funnel_enrol_customer(funnel=stale, customer=CustomerFactory())
    assert not Run.objects.exists()


def test_a_draft_takes_test_runs_only():
    draft = funnel_import(
        document=document([credit()], trigger="automation.manual", name="Draft")
    )
    customer = CustomerFactory()
    with pytest.raises(ValidationError, match="“Draft” is not active"):
        funnel_enrol_customer(funnel=draft, customer=customer)
    run = funnel_enrol_customer(funnel=draft, customer=customer, is_test=True)
    assert run.is_test


def test_a_bulk_enrolment_paused_midway_stops_before_the_next_chunk(monkeypatch):
    monkeypatch.setattr(enrolment, "ENROL_CHUNK", 2)
    funnel = manual_funnel()
    customers = CustomerFactory.create_batch(6)
    pks = [customer.pk for customer in customers]
    told = []

    def progress(done, total):
        told.append((done, total))
        if len(told) == 1:
            funnel_pause(funnel=funnel)

    selected = Customer.objects.filter(pk__in=pks)
    enrolled = funnel_enrol(funnel, selected, progress=progress)
    # The first chunk's customers got in (their runs wait); then the pause.
    assert 1 <= enrolled <= 2 and told == [(enrolled, 6)]
    assert Run.objects.count() == enrolled


def test_the_funnel_enrol_command_says_it_is_paused():
    funnel = manual_funnel()
    customer = CustomerFactory()
    funnel_pause(funnel=funnel)
    for args in (["--email", customer.email], ["--all"]):
        with pytest.raises(CommandError, match=PAUSED):
            call_command(
                "funnel_enrol",
                str(funnel.pk),
                *args,
                stdout=StringIO(),
                stderr=StringIO(),
            )
    assert not Run.objects.exists()


def test_events_and_scans_enrol_nobody_while_paused_and_again_once_resumed():
    fired = funnel_import(document=document([credit()], name="Event"), activate=True)
    scanned = funnel_import(
        document=document([credit()], trigger="test.scan", name="Scan"),
        activate=True,
    )
    customer = CustomerFactory()
    funnel_pause(funnel=fired)
    funnel_pause(funnel=scanned)
    automation_event_send("test.event", customer_id=customer.pk, entry_key="e1")
    SCAN_HITS.append(plugins.TriggerHit(customer_id=customer.pk, entry_key="s1"))
    assert funnels_tick().enrolled == 0
    assert not Run.objects.exists()
    funnel_resume(funnel=fired)
    funnel_resume(funnel=scanned)
    automation_event_send("test.event", customer_id=customer.pk, entry_key="e2")
    assert funnels_tick().enrolled == 1  # the scan's
    assert set(Run.objects.values_list("funnel_id", flat=True)) == {
        fired.pk,
        scanned.pk,
    }


def test_pausing_holds_the_waiting_runs_and_resuming_runs_what_fell_due():
    funnel = manual_funnel(steps=[credit()])
    funnel_enrol(funnel, Customer.objects.filter(pk=CustomerFactory().pk))
    funnel_pause(funnel=funnel)
    later = timezone.now() + timedelta(hours=1)
    assert funnels_tick(now=later).processed == 0
    assert not effects().exists()
    funnel_resume(funnel=funnel)
    assert funnels_tick(now=later).done == 1
    assert effects().count() == 1


def test_the_card_says_which_funnels_are_paused_and_refuses_them(manager_client):
    customer = CustomerFactory()
    manual_funnel(name="Open")
    funnel = manual_funnel()
    page = manager_client.get(
        reverse("automation:card_tab", args=[customer.pk])
    ).content.decode()
    assert 'data-testid="paused-funnels"' not in page
    funnel_pause(funnel=funnel)  # after the page was drawn
    response = manager_client.post(
        reverse("automation:card_enrol", args=[customer.pk]), {"funnel": funnel.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert PAUSED in page
    assert "Paused, taking nobody until resumed: Newsletter." in page
    assert not Run.objects.exists()


def test_the_bulk_action_refuses_a_paused_funnel_saying_so(manager_client):
    funnel = manual_funnel()
    ticked = CustomerFactory()
    funnel_pause(funnel=funnel)
    response = manager_client.post(
        reverse("customers:bulk"),
        {
            "action": "funnel_enrol",
            "funnel": funnel.pk,
            "scope": "selected",
            "selected": [ticked.pk],
        },
        follow=True,
    )
    assert PAUSED in response.content.decode()
    assert not Run.objects.exists()


def test_the_pause_message_says_what_pausing_does(manager_client):
    funnel = manual_funnel()
    response = manager_client.post(
        reverse("automation:funnel_status", args=[funnel.pk, "pause"]), follow=True
    )
    assert "no step runs and nobody enters it until you resume it" in (
        response.content.decode()
    )
