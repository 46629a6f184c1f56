"""Checkouts at the same moment, each thread with its own PostgreSQL connection.

Two tabs placing the same cart make one order; a checkout and a withdrawal that
each need more than half the balance: exactly one of them succeeds, every time.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError

from balance.services import withdrawal_request
from balance.verification import balance_mismatches
from selling.models import Order
from selling.services import cart_add, cart_discount_set, order_place
from tests.balance.support import figures
from tests.balance.test_concurrency import run_threads
from tests.customers.factories import CustomerFactory
from tests.selling.support import (
    D,
    checkout_with_balance_enabled,
    customer_with_balance,
    product,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_tabs_placing_the_same_cart_make_one_order_and_one_hold():
    checkout_with_balance_enabled()
    item = product("45.00")
    rounds = 20
    customers = [
        customer_with_balance(CustomerFactory(), "50.00") for _round in range(rounds)
    ]
    for customer in customers:
        cart_add(customer=customer, product_id=item.pk)
        cart_discount_set(customer=customer, amount="40")
    barrier = threading.Barrier(2, timeout=60)
    outcomes: list[list[str]] = [[] for _round in range(rounds)]
    lock = threading.Lock()

    def checkout(_index: int) -> None:
        for round_index, customer in enumerate(customers):
            barrier.wait()
            try:
                order_place(
                    customer=customer,
                    payment_method="bank_transfer",
                    idempotency_key=uuid.uuid4().hex,
                )
                outcome = "ok"
            except ValidationError as error:
                outcome = error.code
            with lock:
                outcomes[round_index].append(outcome)

    run_threads(2, checkout)
    assert [sorted(pair) for pair in outcomes] == [["empty_cart", "ok"]] * rounds
    for customer in customers:
        assert Order.objects.filter(customer=customer).count() == 1
        assert figures(customer) == (D("50.00"), D("40.00"))
    assert balance_mismatches() == []


def test_a_checkout_and_a_withdrawal_racing_for_the_balance_one_wins_every_time():
    checkout_with_balance_enabled()
    item = product("75.00")
    rounds = 30
    customers = [
        customer_with_balance(CustomerFactory(), "100.00") for _round in range(rounds)
    ]
    for customer in customers:
        cart_add(customer=customer, product_id=item.pk)
        cart_discount_set(customer=customer, amount="60")
    barrier = threading.Barrier(2, timeout=60)
    outcomes: list[list[str]] = [[] for _round in range(rounds)]
    lock = threading.Lock()

    def act(index: int) -> None:
        for round_index, customer in enumerate(customers):
            barrier.wait()
            try:
                if index == 0:
                    order_place(
                        customer=customer,
                        payment_method="bank_transfer",
                        idempotency_key=uuid.uuid4().hex,
                    )
                    outcome = "order"
                else:
                    withdrawal_request(
                        customer_id=customer.pk,
                        amount=D("60.00"),
                        payout_details={"iban": "IT60X0542811101000000123456"},
                        minimum=D("10.00"),
                    )
                    outcome = "withdrawal"
            except ValidationError as error:
                outcome = error.code
            with lock:
                outcomes[round_index].append(outcome)

    run_threads(2, act)
    for pair in outcomes:
        assert sorted(pair) in (
            ["insufficient", "order"],
            ["insufficient", "withdrawal"],
        )
    for customer in customers:
        balance, held = figures(customer)
        assert balance == D("100.00")
        assert held == D("60.00")
        assert Order.objects.filter(customer=customer).count() <= 1
    assert balance_mismatches() == []
