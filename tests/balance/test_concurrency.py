"""Many writers at once, each thread with its own PostgreSQL connection.

No lost update (the final balance is the sum of what succeeded), no overdraw by
customer actions, and of two withdrawals that each take more than half the available
balance exactly one succeeds.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from balance.models import Entry, Gift, GiftRun, Hold
from balance.services import (
    Author,
    balance_credit,
    balance_debit,
    gift_run_due,
    hold_place,
    hold_post,
    hold_release,
    withdrawal_cancel,
    withdrawal_request,
)
from balance.verification import balance_mismatches
from tests.balance.support import STAFF, assert_ledger_consistent, credit, figures
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16
D = Decimal


def run_threads(count: int, target: Callable[[int], None]) -> None:
    """Runs ``target(index)`` in ``count`` threads; re-raises the first failure."""
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


class Tally:
    """What the threads did that succeeded, per customer (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.balance: dict[int, Decimal] = {}
        self.refused = 0

    def add(self, customer_id: int, amount: Decimal) -> None:
        with self._lock:
            self.balance[customer_id] = self.balance.get(customer_id, D(0)) + amount

    def refusal(self) -> None:
        with self._lock:
            self.refused += 1


def mixed_operations(customer_ids: list[int], tally: Tally, seed: int, steps: int):
    """Credits, customer spends, checkout holds posted or released, withdrawals
    requested and cancelled: the kind of traffic a shop makes."""
    rng = random.Random(seed)
    for _step in range(steps):
        customer_id = rng.choice(customer_ids)
        amount = D(rng.randint(1, 4000)) / 100
        operation = rng.choice(["credit", "spend", "checkout", "withdrawal"])
        try:
            if operation == "credit":
                balance_credit(
                    customer_id=customer_id,
                    amount=amount,
                    author=STAFF,
                    idempotency_key=f"c:{uuid.uuid4()}",
                )
                tally.add(customer_id, amount)
            elif operation == "spend":
                balance_debit(
                    customer_id=customer_id,
                    amount=amount,
                    author=Author.customer(),
                    idempotency_key=f"s:{uuid.uuid4()}",
                    kind=Entry.Kind.CHECKOUT,
                )
                tally.add(customer_id, -amount)
            elif operation == "checkout":
                hold = hold_place(
                    customer_id=customer_id,
                    amount=amount,
                    kind=Hold.Kind.CHECKOUT,
                    idempotency_key=f"h:{uuid.uuid4()}",
                )
                if rng.random() < 0.5:
                    hold_post(hold_id=hold.pk, author=Author.customer())
                    tally.add(customer_id, -amount)
                else:
                    hold_release(hold_id=hold.pk)
            else:
                withdrawal = withdrawal_request(
                    customer_id=customer_id,
                    amount=amount,
                    payout_details={},
                )
                withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=customer_id)
        except ValidationError as error:
            assert error.code == "insufficient", error
            tally.refusal()


def assert_books_balance(customers, opening: Decimal, tally: Tally) -> None:
    for customer in customers:
        balance, held = figures(customer)
        assert balance == opening + tally.balance.get(customer.pk, D(0))
        assert held == D("0.00")  # every hold was posted or released
        assert balance >= 0  # customers never overdraw; staff only credited
        assert_ledger_consistent(customer)
    assert balance_mismatches() == []


def test_sixteen_writers_on_one_hot_customer_lose_nothing():
    customer = CustomerFactory()
    opening = D("100.00")
    credit(customer, str(opening))
    tally = Tally()
    run_threads(
        THREADS, lambda index: mixed_operations([customer.pk], tally, index, steps=25)
    )
    assert tally.refused > 0  # the available balance was really contended
    assert_books_balance([customer], opening, tally)


def test_sixteen_writers_on_many_customers_lose_nothing():
    customers = CustomerFactory.create_batch(12)
    opening = D("50.00")
    for customer in customers:
        credit(customer, str(opening))
    tally = Tally()
    ids = [customer.pk for customer in customers]
    run_threads(
        THREADS, lambda index: mixed_operations(ids, tally, 1000 + index, steps=25)
    )
    assert_books_balance(customers, opening, tally)


def test_two_withdrawals_of_more_than_half_exactly_one_succeeds_every_time():
    rounds = 100
    customers = CustomerFactory.create_batch(rounds)
    for customer in customers:
        credit(customer, "100.00")
    barrier = threading.Barrier(2, timeout=60)
    outcomes: list[list[str]] = [[] for _round in range(rounds)]
    lock = threading.Lock()

    def withdraw(_index: int) -> None:
        for round_index, customer in enumerate(customers):
            barrier.wait()
            try:
                withdrawal_request(
                    customer_id=customer.pk,
                    amount=D("60.00"),
                    payout_details={"iban": "IT60X0542811101000000123456"},
                    minimum=D("10.00"),
                )
                outcome = "ok"
            except ValidationError as error:
                outcome = error.code
            with lock:
                outcomes[round_index].append(outcome)

    run_threads(2, withdraw)
    assert [sorted(pair) for pair in outcomes] == [["insufficient", "ok"]] * rounds
    for customer in customers[:5]:
        assert figures(customer) == (D("100.00"), D("60.00"))
    assert balance_mismatches() == []


def test_two_beats_running_the_same_gift_at_once_pay_each_customer_once():
    customers = CustomerFactory.create_batch(30)
    gift = Gift.objects.create(
        amount=D("1.50"),
        description="Monthly",
        schedule=Gift.Schedule.MONTHLY,
        day_of_month=1,
        audience=Gift.Audience.EVERYONE,
        start_date=date(2026, 1, 1),
    )
    barrier = threading.Barrier(4, timeout=60)

    def beat(_index: int) -> None:
        barrier.wait()
        gift_run_due(today=date(2026, 3, 2))

    run_threads(4, beat)
    for customer in customers:
        assert figures(customer)[0] == D("4.50")
    runs = GiftRun.objects.filter(gift=gift).order_by("period")
    assert [(run.period, run.customers_count) for run in runs] == [
        ("2026-01", 30),
        ("2026-02", 30),
        ("2026-03", 30),
    ]
    assert balance_mismatches() == []
