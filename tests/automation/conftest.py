"""Fake triggers, actions and conditions, registered for each test and removed
after: the engine's tests need none of the apps that plug into it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django import forms

from core import plugins
from core.models import SentEmail

REFUSING: set[int] = set()  # customer ids the "test.refuse" action refuses
SCAN_HITS: list[plugins.TriggerHit] = []


class AmountForm(forms.Form):
    amount = forms.IntegerField(label="Amount", min_value=1)


class CityForm(forms.Form):
    city = forms.CharField(label="City")


class ProductForm(forms.Form):
    product = forms.IntegerField(label="Product", required=False)


def effect(kind: str):
    """An action whose effect is a row keyed by the idempotency key (like a
    ledger entry): called twice with the same key, it does the thing once."""

    def run(customer, params, *, idempotency_key, context):
        SentEmail.objects.get_or_create(
            event_key=idempotency_key,
            defaults={
                "template": kind,
                "to": customer.email,
                "language": "en",
                "context": {"params": params, "run": context.run_id},
            },
        )
        return f"{kind} for {customer.email}"

    return run


def refuse(customer, params, *, idempotency_key, context):
    if customer.pk in REFUSING:
        raise plugins.AutomationActionRefused("The balance cannot cover 5.00.")
    return effect("test_refuse")(
        customer, params, idempotency_key=idempotency_key, context=context
    )


def skip(customer, params, *, idempotency_key, context):
    raise plugins.AutomationActionSkipped("No newsletter consent.")


FAKES = [
    (
        plugins.automation_triggers,
        plugins.AutomationTrigger(
            "test.event",
            "Test event",
            form_class=ProductForm,
            matches=lambda params, payload: (
                not params.get("product") or params["product"] == payload.get("product")
            ),
        ),
    ),
    (plugins.automation_triggers, plugins.AutomationTrigger("test.goal", "Goal")),
    (
        plugins.automation_triggers,
        plugins.AutomationTrigger(
            "test.scan", "Scan", scan=lambda params, now: list(SCAN_HITS)
        ),
    ),
    (
        plugins.automation_actions,
        plugins.AutomationAction(
            "test.credit",
            "Credit",
            effect("test_credit"),
            form_class=AmountForm,
            describe=lambda customer, params, context: (
                f"Would credit {params['amount']} to {customer.email}"
            ),
        ),
    ),
    (
        plugins.automation_actions,
        plugins.AutomationAction(
            "test.email",
            "E-mail",
            effect("test_email"),
            too_late_after=timedelta(days=3),
            marketing=True,
        ),
    ),
    (
        plugins.automation_actions,
        plugins.AutomationAction("test.refuse", "Debit", refuse),
    ),
    (plugins.automation_actions, plugins.AutomationAction("test.skip", "Skip", skip)),
    (
        plugins.automation_conditions,
        plugins.AutomationCondition(
            "test.city",
            "City is",
            lambda customer, params, context: customer.city == params["city"],
            form_class=CityForm,
        ),
    ),
]


@pytest.fixture(autouse=True)
def fakes():
    for registry, entry in FAKES:
        registry.register(entry)
    REFUSING.clear()
    SCAN_HITS.clear()
    yield
    for registry, entry in FAKES:
        registry.unregister(entry.key)


def document(steps, *, trigger="test.event", params=None, reentry=None, name="F"):
    return {
        "format": "clientela-funnel",
        "version": 1,
        "name": name,
        "trigger": {"key": trigger, "params": params or {}},
        "reentry": reentry or {"policy": "once"},
        "steps": steps,
    }


def credit(key="credit", next=None, amount=5):
    return {
        "key": key,
        "kind": "action",
        "action": "test.credit",
        "params": {"amount": amount},
        "next": next,
    }


def effects(kind="test_credit"):
    return SentEmail.objects.filter(template=kind)


@pytest.fixture
def manager_client(client, manager_user):
    """A client logged in as a Manager (who has the automation permissions)."""
    client.force_login(manager_user)
    return client
