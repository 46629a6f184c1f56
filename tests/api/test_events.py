"""POST /api/v1/events fires the funnel trigger "api.event" (the event's name is
its parameter): funnels on that name enrol the customer once per occurrence, and
goals on it end waits."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from api.models import IdempotentRequest, Scope
from automation.definition import definition_check
from automation.diagram import params_summary
from automation.models import Run
from automation.services import funnel_export, funnel_import, funnels_tick
from core import plugins
from tests.api.support import make_key, post
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def funnel_on(
    event: str, *, goal: str | None = None, name: str = "Shipped", wait: bool = True
):
    steps = (
        [{"key": "w", "kind": "wait", "duration": {"days": 7}, "next": None}]
        if wait
        else [{"key": "bye", "kind": "exit"}]
    )
    if goal:
        steps.append(
            {
                "key": "won",
                "kind": "goal",
                "trigger": "api.event",
                "params": {"event": goal},
            }
        )
    return funnel_import(
        document={
            "format": "clientela-funnel",
            "version": 1,
            "name": name,
            "trigger": {"key": "api.event", "params": {"event": event}},
            "reentry": {"policy": "one_at_a_time"},
            "steps": steps,
        },
        activate=True,
    )


@pytest.fixture
def secret():
    return make_key(Scope.EVENTS_WRITE, name="Shop")


def send(client, secret, body, key=None):
    return post(client, "/api/v1/events", body, secret, key=key)


def test_event_enrols_in_the_funnel_on_its_name_once(client, secret):
    shipped = funnel_on("order_shipped", wait=False)
    other = funnel_on("invoice.paid", name="Paid")
    customer = CustomerFactory(email="ada@example.com")
    body = {
        "event": "order_shipped",
        "customer": "ada@example.com",
        "data": {"order": "A-17", "items": 2},
        "id": "A-17",
    }
    response = send(client, secret, body, key="k1")
    assert response.status_code == 202, response.content
    assert response.json() == {
        "event": "order_shipped",
        "trigger": "api.order_shipped",
        "customer_id": customer.pk,
        "entry_key": "api.order_shipped:A-17",
    }
    run = Run.objects.get()
    assert run.funnel_id == shipped.pk and run.customer_id == customer.pk
    assert run.payload["data"] == {"order": "A-17", "items": 2}
    funnels_tick()
    assert Run.objects.get().state == Run.State.EXITED
    # The same request again is replayed; the same id under another key enrols
    # nobody again (the funnel lets customers in again, once per occurrence).
    again = send(client, secret, body, key="k1")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert send(client, secret, body, key="k2").status_code == 202
    assert Run.objects.filter(funnel=shipped).count() == 1
    assert send(client, secret, {**body, "id": "A-18"}).status_code == 202
    assert Run.objects.filter(funnel=shipped).count() == 2
    assert not Run.objects.filter(funnel=other).exists()


def test_without_id_the_idempotency_key_names_the_occurrence(client, secret):
    funnel = funnel_on("signed_up", wait=False)
    customer = CustomerFactory()
    body = {"event": "signed_up", "customer": str(customer.pk)}
    assert send(client, secret, body, key="one").json()["entry_key"] == (
        "api.signed_up:one"
    )
    funnels_tick()
    send(client, secret, body, key="one")
    assert Run.objects.filter(funnel=funnel).count() == 1
    send(client, secret, body, key="two")
    assert Run.objects.filter(funnel=funnel).count() == 2


def test_event_reaches_a_goal(client, secret):
    funnel = funnel_on("trial_started", goal="trial_converted")
    customer = CustomerFactory()
    send(client, secret, {"event": "trial_started", "customer": str(customer.pk)})
    run = Run.objects.get(funnel=funnel)
    assert run.converted_at is None
    send(client, secret, {"event": "trial_converted", "customer": str(customer.pk)})
    run.refresh_from_db()
    assert run.converted_at is not None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"event": "Order Shipped"}, 400, "event_invalid"),
        ({"event": "1st"}, 400, "event_invalid"),
        ({"event": "a" * 65}, 400, "event_invalid"),
        ({"event": "x..y"}, 400, "event_invalid"),
        ({"data": {"blob": "x" * 17000}}, 400, "data_too_large"),
        ({"data": [1, 2]}, 400, "validation_error"),
        ({"id": "x" * 101}, 400, "validation_error"),
        ({"customer": "nobody@example.com"}, 404, "customer_not_found"),
        ({"customer": "999999"}, 404, "customer_not_found"),
    ],
)
def test_refused_events_enrol_nobody(client, secret, body, status, code):
    funnel_on("order_shipped")
    customer = CustomerFactory()
    response = send(
        client,
        secret,
        {"event": "order_shipped", "customer": str(customer.pk), **body},
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Run.objects.exists()


def test_events_need_the_scope_and_a_key(client):
    funnel_on("order_shipped")
    customer = CustomerFactory()
    reader = make_key(Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE)
    body = {"event": "order_shipped", "customer": str(customer.pk)}
    refused = send(client, reader, body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "scope_missing"
    missing_key = client.post(
        "/api/v1/events",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {make_key(Scope.EVENTS_WRITE)}"},
    )
    assert missing_key.json()["error"]["code"] == "idempotency_key_missing"
    assert not Run.objects.exists()
    assert not IdempotentRequest.objects.exists()


def test_the_trigger_works_in_the_editor_export_and_import():
    trigger = plugins.automation_triggers.get("api.event")
    assert trigger is not None and trigger.form_class is not None
    assert params_summary(trigger.form_class, {"event": "order_shipped"}) == (
        "Event name: order_shipped"
    )
    funnel = funnel_on("order_shipped", goal="order_returned")
    document = funnel_export(funnel)
    assert document["trigger"] == {
        "key": "api.event",
        "params": {"event": "order_shipped"},
    }
    assert definition_check(document) == []
    copy = funnel_import(document={**document, "name": "Copy"})
    assert copy.trigger_params == {"event": "order_shipped"}
    bad = {**document, "trigger": {"key": "api.event", "params": {"event": "No!"}}}
    assert definition_check(bad)
    with pytest.raises(ValidationError):
        funnel_import(document=bad)
    without = {**document, "trigger": {"key": "api.event", "params": {}}}
    assert definition_check(without)
