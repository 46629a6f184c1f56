"""The events each app publishes, as a receiver sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from balance.services import (
    withdrawal_approve,
    withdrawal_pay,
    withdrawal_request,
)
from tests.balance.support import credit
from tests.customers.factories import CustomerFactory
from tests.webhooks.support import subscribe
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"


def test_a_withdrawal_from_request_to_payout(staff_user):
    subscribe(URL, ["withdrawal.requested", "withdrawal.paid", "entry.posted"])
    customer = CustomerFactory()
    credit(customer, "50.00")
    withdrawal = withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("30.00"),
        payout_details={"iban": "IT60X0542811101000000123456"},
        minimum=Decimal("20.00"),
    )
    withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user)
    withdrawal_pay(
        withdrawal_id=withdrawal.pk, payout_reference="SEPA-123", decided_by=staff_user
    )
    withdrawal_pay(  # paid already: no second event
        withdrawal_id=withdrawal.pk, payout_reference="SEPA-123", decided_by=staff_user
    )
    data = {
        delivery.event_type + ":" + str(index): delivery.payload["data"]
        for index, delivery in enumerate(Delivery.objects.order_by("pk"))
    }
    assert list(data) == [
        "entry.posted:0",
        "withdrawal.requested:1",
        "entry.posted:2",
        "withdrawal.paid:3",
    ]
    assert data["entry.posted:0"]["amount"] == "50.00"
    requested = data["withdrawal.requested:1"]
    assert (requested["withdrawal_id"], requested["customer_id"]) == (
        withdrawal.pk,
        customer.pk,
    )
    assert requested["amount"] == "30.00"
    # The payout details never leave: not even the IBAN passed in.
    assert "IT60X" not in str(requested) and "payout_details" not in requested
    payout = data["entry.posted:2"]
    assert (payout["amount"], payout["balance_after"]) == ("-30.00", "20.00")
    assert (payout["kind"], payout["source_type"]) == ("withdrawal", "withdrawal")
    paid = data["withdrawal.paid:3"]
    assert paid["payout_reference"] == "SEPA-123" and paid["amount"] == "30.00"
    assert paid["paid_at"][:4].isdigit() and "T" in paid["paid_at"]
