"""The customer card's Funnels tab: the customer's runs, "Stop for this
customer", "Add to funnel"; hidden without the automation permissions."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automation.models import Funnel, Run, StepVisit
from automation.services import funnel_enrol_customer, funnel_import, funnel_pause
from tests.automation.conftest import credit, document
from tests.automation.runs_support import (
    manual_funnel,
)
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def tab_url(customer):
    return reverse("automation:card_tab", args=[customer.pk])


def enrol_url(customer):
    return reverse("automation:card_enrol", args=[customer.pk])


def stop_url(customer, run):
    return reverse("automation:card_run_cancel", args=[customer.pk, run.pk])


def event_funnel(name="On event"):
    return funnel_import(document=document([credit()], name=name), activate=True)


def test_tab_is_hidden_and_refused_without_automation_permissions(staff_client):
    customer = CustomerFactory()
    run = funnel_enrol_customer(funnel=manual_funnel(), customer=customer)
    card = staff_client.get(reverse("customers:card", args=[customer.pk]))
    assert card.status_code == 200
    assert tab_url(customer) not in card.content.decode()
    assert staff_client.get(tab_url(customer)).status_code == 403
    funnel = manual_funnel(name="Other")
    assert (
        staff_client.post(enrol_url(customer), {"funnel": funnel.pk}).status_code == 403
    )
    assert staff_client.post(stop_url(customer, run)).status_code == 403
    assert Run.objects.count() == 1
    assert Run.objects.get().state == Run.State.ACTIVE


def test_tab_lists_the_customers_runs(manager_client):
    customer = CustomerFactory()
    funnel = manual_funnel(name="Spring newsletter")
    run = funnel_enrol_customer(funnel=funnel, customer=customer)
    funnel_enrol_customer(
        funnel=manual_funnel(name="Someone else's"), customer=CustomerFactory()
    )
    card = manager_client.get(reverse("customers:card", args=[customer.pk]))
    assert tab_url(customer) in card.content.decode()
    response = manager_client.get(tab_url(customer))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Spring newsletter" in page and "pause" in page
    assert [r.pk for r in response.context["runs"]] == [run.pk]
    assert "Someone else" not in page.split('data-testid="card-runs"')[1]
    assert f'data-testid="card-stop-{run.pk}"' in page
    assert 'aria-current="page">Funnels<' in page


def test_stop_for_this_customer_cancels_the_run(manager_client):
    customer = CustomerFactory()
    run = funnel_enrol_customer(funnel=manual_funnel(), customer=customer)
    response = manager_client.post(stop_url(customer, run), follow=True)
    assert "was taken out of" in response.content.decode()
    run.refresh_from_db()
    assert run.state == Run.State.CANCELLED
    assert StepVisit.objects.get(run=run).state == StepVisit.State.CANCELLED
    page = manager_client.get(tab_url(customer)).content.decode()
    assert f'data-testid="card-stop-{run.pk}"' not in page
    response = manager_client.post(stop_url(customer, run), follow=True)
    assert "already ended" in response.content.decode()


def test_stop_refuses_another_customers_run(manager_client):
    customer, other = CustomerFactory(), CustomerFactory()
    run = funnel_enrol_customer(funnel=manual_funnel(), customer=other)
    assert manager_client.post(stop_url(customer, run)).status_code == 404
    assert Run.objects.get(pk=run.pk).state == Run.State.ACTIVE


def test_add_to_funnel_offers_active_manual_funnels_only(manager_client):
    customer = CustomerFactory()
    manual = manual_funnel(name="Manual one")
    paused = manual_funnel(name="Paused one")
    funnel_pause(funnel=paused)
    event_funnel(name="Started by an event")
    form = manager_client.get(tab_url(customer)).context["enrol_form"]
    assert list(form.fields["funnel"].queryset) == [manual]


def test_add_to_funnel_enrols_the_customer(manager_client):
    customer = CustomerFactory()
    funnel = manual_funnel(name="Manual one")
    response = manager_client.post(enrol_url(customer), {"funnel": funnel.pk})
    assert response.status_code == 302
    run = Run.objects.get(customer=customer)
    assert (run.funnel, run.is_test) == (funnel, False)
    page = manager_client.get(tab_url(customer)).content.decode()
    assert "was added to “Manual one”" in page
    # Once ever: a second time is refused, with the reason, and changes nothing.
    response = manager_client.post(enrol_url(customer), {"funnel": funnel.pk})
    assert response.status_code == 400
    assert "is already in “Manual one”" in response.content.decode()
    assert Run.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("value", ["", "abc", "999999", "event"])
def test_add_to_funnel_refuses_a_bad_pick(manager_client, value):
    customer = CustomerFactory()
    manual_funnel()
    if value == "event":
        value = str(event_funnel().pk)
    response = manager_client.post(enrol_url(customer), {"funnel": value})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pick the funnel." in page or "is not active with manual enrolment" in page
    assert not Run.objects.exists()


def test_viewer_without_enrol_or_stop_permission_sees_no_buttons(client):
    viewer = StaffFactory(groups=["Staff"])
    viewer.user_permissions.add(
        Permission.objects.get(
            codename="view_run", content_type__app_label="automation"
        )
    )
    client.force_login(viewer)
    customer = CustomerFactory()
    funnel = manual_funnel()
    run = funnel_enrol_customer(funnel=funnel, customer=customer)
    response = client.get(tab_url(customer))
    assert response.status_code == 200
    page = response.content.decode()
    assert funnel.name in page
    assert f'data-testid="card-stop-{run.pk}"' not in page
    assert enrol_url(customer) not in page
    assert client.post(enrol_url(customer), {"funnel": funnel.pk}).status_code == 403
    assert client.post(stop_url(customer, run)).status_code == 403


def test_tab_has_no_n_plus_one(manager_client):
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=manual_funnel(name="F0"), customer=customer)
    manager_client.get(tab_url(customer))  # the first request loads what is cached
    with CaptureQueriesContext(connection) as few:
        manager_client.get(tab_url(customer))
    for number in range(1, 8):
        funnel_enrol_customer(
            funnel=manual_funnel(name=f"F{number}"), customer=customer
        )
    assert Funnel.objects.count() == 8
    with CaptureQueriesContext(connection) as many:
        assert manager_client.get(tab_url(customer)).status_code == 200
    assert len(many) == len(few)
