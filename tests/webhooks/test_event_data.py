"""Each event type as a receiver gets it: the real service drives the change, the
worker delivers it to a real HTTP receiver, and the JSON's ``data`` has exactly
the keys docs/webhooks.md documents (its example, nested objects included)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from balance.models import BalanceSettings
from balance.services import withdrawal_approve, withdrawal_pay
from balance.services.account import withdrawal_request_from_account
from balance.services.payout import payout_details_save
from customers.models import Customer
from customers.services import customer_create
from expirations.services.jobs import expirations_run_due
from referrals.models import Commission
from selling.services import order_confirm_payment, order_refund
from tests.balance.support import credit
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.referrals.support import D, refer, rules, run, visit
from tests.selling.support import (
    checkout_with_balance_enabled,
    customer_with_balance,
    place,
    product,
)
from tests.webhooks.support import DOC, doc_verify_signature, subscribe
from webhooks.catalog import EVENTS, TEST_EVENT
from webhooks.models import Delivery
from webhooks.services import deliveries_send_due
from webhooks.services import test_event_send as webhook_test_send

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Nora",
    "last_name": "Vidal",
    "email": "nora@example.com",
    "password": "a-brand-new-pass-42",
    "password_confirm": "a-brand-new-pass-42",
    "language": "en",
}


def documented(event_type: str) -> dict:
    """The example ``data`` of ``event_type`` in docs/webhooks.md."""
    match = re.search(
        rf"<!-- data: {re.escape(event_type)} -->\s*```json\n(.*?)```",
        DOC.read_text(),
        re.S,
    )
    assert match, f"docs/webhooks.md documents no data for {event_type}"
    return json.loads(match.group(1))


def shape(value):
    """The keys of ``value``, nested (a list by the shape of its first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


class Hooks:
    """One webhook on the test receiver, subscribed to ``types``."""

    def __init__(self, receiver, types):
        self.receiver = receiver
        self.secret = subscribe(receiver.url, types).secret

    def delivered(self, event_type: str) -> list[dict]:
        """Sends what is due; the bodies of ``event_type`` the receiver got,
        each checked with the docs' signature snippet."""
        deliveries_send_due()
        verify = doc_verify_signature()
        bodies = []
        for request in self.receiver.requests:
            if request.headers["Clientela-Event-Type"] != event_type:
                continue
            assert verify(
                self.secret, request.body, request.headers["Clientela-Signature"]
            )
            bodies.append(json.loads(request.body))
        return bodies

    def one(self, event_type: str) -> dict:
        (body,) = self.delivered(event_type)
        assert body["type"] == event_type
        assert shape(body["data"]) == shape(documented(event_type))
        return body["data"]


def iso(text) -> bool:
    return isinstance(text, str) and re.match(r"\d{4}-\d\d-\d\d", text) is not None


def test_every_event_a_webhook_may_choose_is_documented():
    for event_type in [*EVENTS, TEST_EVENT]:
        assert documented(event_type)


def test_customer_created_on_signup(receiver, client):
    hooks = Hooks(receiver, ["customer.created"])
    response = client.post("/account/signup/", SIGNUP)
    assert response.status_code == 302, response.content
    customer = Customer.objects.get(email="nora@example.com")
    data = hooks.one("customer.created")
    assert data["customer_id"] == customer.pk
    assert (data["email"], data["first_name"], data["last_name"]) == (
        "nora@example.com",
        "Nora",
        "Vidal",
    )
    assert (data["language"], data["source"]) == ("en", "signup")
    assert iso(data["created_at"])


def test_customer_created_by_staff_once(receiver):
    hooks = Hooks(receiver, ["customer.created"])
    customer = customer_create(email="leo@example.com", first_name="Leo")
    data = hooks.one("customer.created")
    assert (data["customer_id"], data["source"]) == (customer.pk, "staff")
    assert Delivery.objects.count() == 1


def test_entry_posted(receiver):
    hooks = Hooks(receiver, ["entry.posted"])
    customer = CustomerFactory()
    entry = credit(customer, "50.00", note="Welcome gift")
    data = hooks.one("entry.posted")
    assert (data["entry_id"], data["amount"], data["balance_after"]) == (
        entry.pk,
        "50.00",
        "50.00",
    )
    assert data["note"] == "Welcome gift"


def _withdrawal_requested(customer):
    settings_row = BalanceSettings.load()
    settings_row.withdrawals_enabled = True
    settings_row.withdrawal_minimum = D("20.00")
    settings_row.save()
    credit(customer, "80.00")
    payout_details_save(
        customer=customer,
        account_holder="Nora Vidal",
        iban="IT60X0542811101000000123456",
        paypal_email="",
    )
    return withdrawal_request_from_account(
        customer=customer, amount=D("30.00"), idempotency_key=uuid.uuid4().hex
    )


def test_withdrawal_requested_names_the_method_never_the_details(receiver):
    hooks = Hooks(receiver, ["withdrawal.requested"])
    customer = CustomerFactory(email="nora@example.com")
    withdrawal = _withdrawal_requested(customer)
    data = hooks.one("withdrawal.requested")
    assert (data["withdrawal_id"], data["amount"]) == (withdrawal.pk, "30.00")
    assert (data["method"], data["method_label"]) == ("bank_transfer", "Bank transfer")
    assert data["customer"]["email"] == "nora@example.com"
    assert iso(data["requested_at"])
    body = receiver.requests[0].body.decode()
    assert "IT60" not in body and "3456" not in body and "encrypted" not in body


def test_withdrawal_paid(receiver, staff_user):
    hooks = Hooks(receiver, ["withdrawal.paid"])
    withdrawal = _withdrawal_requested(CustomerFactory())
    withdrawal_approve(
        withdrawal_id=withdrawal.pk,
        decided_by=staff_user,
        payout_change_checked=True,  # the details were saved just now
    )
    withdrawal_pay(
        withdrawal_id=withdrawal.pk, payout_reference="SEPA-123", decided_by=staff_user
    )
    data = hooks.one("withdrawal.paid")
    assert (data["payout_reference"], data["amount"]) == ("SEPA-123", "30.00")
    assert iso(data["paid_at"])


def _paid_order():
    checkout_with_balance_enabled()
    customer = customer_with_balance(
        CustomerFactory(email="nora@example.com", first_name="Nora"), "50.00"
    )
    hosting = product("59.00", name="Website hosting")
    order = place(customer, items=[(hosting, 2)], discount="10.00")
    return order_confirm_payment(order_id=order.pk, reference="TRN-1"), hosting


def test_order_paid_carries_lines_totals_and_the_balance_part(receiver):
    hooks = Hooks(receiver, ["order.paid"])
    order, hosting = _paid_order()
    data = hooks.one("order.paid")
    assert (data["order_id"], data["number"], data["status"]) == (
        order.pk,
        order.number,
        "paid",
    )
    assert data["lines"] == [
        {
            "product_id": hosting.pk,
            "product_name": "Website hosting",
            "quantity": 2,
            "unit_price": "59.00",
            "line_total": "118.00",
        }
    ]
    assert (data["subtotal"], data["balance_discount"], data["total_due"]) == (
        "118.00",
        "10.00",
        "108.00",
    )
    assert data["customer"]["first_name"] == "Nora"
    assert iso(data["paid_at"]) and data["refunded_amount"] is None


def test_order_refunded(receiver):
    hooks = Hooks(receiver, ["order.refunded"])
    order, _hosting = _paid_order()
    order_refund(order_id=order.pk, reason="Unhappy")
    order_refund(order_id=order.pk, reason="Unhappy")  # refunded already: no event
    data = hooks.one("order.refunded")
    assert (data["status"], data["refunded_amount"], data["refund_reason"]) == (
        "refunded",
        "118.00",
        "Unhappy",
    )
    assert iso(data["refunded_at"])


@pytest.mark.both_dbs
def test_expiration_expired_by_the_daily_job(receiver):
    hooks = Hooks(receiver, ["expiration.expired"])
    today = timezone.localdate()
    service = ServiceProductFactory(name="Website hosting")
    expiration = ExpirationFactory(
        product=service,
        amount=D("59.00"),
        expiry_date=today - timedelta(days=1),
        customer=CustomerFactory(email="nora@example.com"),
    )
    expirations_run_due(today)
    expirations_run_due(today)  # the job again: expired already, no second event
    data = hooks.one("expiration.expired")
    assert (data["expiration_id"], data["product_id"]) == (expiration.pk, service.pk)
    assert (data["product_name"], data["item"]) == ("Website hosting",) * 2
    assert (data["amount"], data["quantity"]) == ("59.00", 1)
    assert data["expiry_date"] == (today - timedelta(days=1)).isoformat()
    assert data["customer"]["email"] == "nora@example.com"


def test_referral_signed_up_through_the_link(receiver, client):
    hooks = Hooks(receiver, ["referral.signed_up"])
    rules(commission_percent=D("10.00"))
    referrer = CustomerWithLoginFactory(email="ref@example.com")
    visit(client, referrer)
    response = client.post("/account/signup/", SIGNUP)
    assert response.status_code == 302, response.content
    referred = Customer.objects.get(email="nora@example.com")
    data = hooks.one("referral.signed_up")
    assert (data["customer_id"], data["referred_id"]) == (referrer.pk, referred.pk)
    assert data["referrer"]["email"] == "ref@example.com"
    assert data["referred"]["email"] == "nora@example.com"
    assert data["source"] == "link"


def test_referral_commission_available_when_credited(receiver):
    hooks = Hooks(receiver, ["referral.commission_available"])
    rules(commission_percent=D("10.00"), refund_window_days=30)
    referrer = CustomerFactory(email="ref@example.com")
    referred = CustomerFactory()
    refer(referred, referrer)
    order = place(referred, items=[(product("123.45"), 1)])
    order_confirm_payment(order_id=order.pk, reference="TRN")
    assert not hooks.delivered("referral.commission_available")  # pending still
    run(days_after=31)
    commission = Commission.objects.get()
    data = hooks.one("referral.commission_available")
    assert (data["commission_id"], data["order_id"]) == (commission.pk, order.pk)
    assert (data["amount"], data["base_amount"]) == ("12.35", "123.45")
    assert (data["entry_id"], data["balance_after"]) == (commission.entry_id, "12.35")
    assert data["customer_id"] == referrer.pk and iso(data["credited_at"])


def test_webhook_test_event(receiver, manager_user):
    created = subscribe(receiver.url, ["order.paid"])
    webhook_test_send(subscription_id=created.subscription.pk, user=manager_user)
    deliveries_send_due()
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert shape(body["data"]) == shape(documented(TEST_EVENT))
    assert body["data"]["sent_by"] == manager_user.email


def test_nobody_subscribed_to_a_type_nothing_is_built(receiver, monkeypatch):
    """The owner asks ``events_wanted`` first: with webhooks only for another
    event, no data is built and nothing is written."""
    import customers.events
    import expirations.events
    import selling.events

    def never(*args, **kwargs):
        raise AssertionError("built data nobody wanted")

    monkeypatch.setattr(customers.events, "customer_event_data", never)
    monkeypatch.setattr(selling.events, "order_event_data", never)
    monkeypatch.setattr(expirations.events, "expiration_event_data", never)
    subscribe(receiver.url, ["withdrawal.paid"])
    customer_create(email="leo@example.com", first_name="Leo")
    order, _hosting = _paid_order()
    order_refund(order_id=order.pk)
    ExpirationFactory(expiry_date=timezone.localdate() - timedelta(days=1))
    expirations_run_due(timezone.localdate())
    assert not Delivery.objects.exists()
