"""The ledger's invariants under any sequence of operations (Hypothesis).

A model of each customer's balance, held amount, holds and withdrawals runs next to
the real services. After every step: the stored balance, SUM(entries) and the model
agree; every ``balance_after`` is the running sum in (created_at, id) order; the held
balance is the sum of the active holds; and ``verify_balances`` finds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from balance.models import Entry, Gift, Hold, Withdrawal
from balance.services import (
    Author,
    balance_credit,
    balance_debit,
    entry_reverse,
    gift_run_due,
    hold_place,
    hold_post,
    hold_release,
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_pay,
    withdrawal_reject,
    withdrawal_request,
)
from balance.verification import balance_mismatches
from customers.models import Customer, Tag
from tests.balance.support import STAFF, assert_ledger_consistent, figures
from tests.customers.factories import CustomerFactory

ZERO = Decimal("0.00")
MINIMUM_WITHDRAWAL = Decimal("10.00")
GIFT_AMOUNT = Decimal("2.50")
CUSTOMERS = 2

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80.00"), places=2)
bad_amounts = st.sampled_from(
    [Decimal("0"), Decimal("-1.00"), Decimal("1.001"), Decimal("NaN"), "12,5,0"]
)
customer_indexes = st.integers(min_value=0, max_value=CUSTOMERS - 1)
picks = st.integers(min_value=0, max_value=10_000)


@dataclass
class ModelCustomer:
    balance: Decimal = ZERO
    held: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        self.customers = [CustomerFactory() for _index in range(CUSTOMERS)]
        self.model = [ModelCustomer() for _index in range(CUSTOMERS)]
        # entry id -> (customer index, amount, reversible)
        self.entries: dict[int, tuple[int, Decimal, bool]] = {}
        self.reversed: set[int] = set()
        self.holds: dict[int, tuple[int, Decimal]] = {}  # id -> (index, amount)
        self.hold_status: dict[int, str] = {}
        self.withdrawals: dict[int, tuple[int, Decimal]] = {}
        self.withdrawal_status: dict[int, str] = {}
        self.used_keys: list[tuple[int, str, Decimal]] = []
        # A gift for this example's customers only (other examples' rows remain).
        tag = Tag.objects.create(name=f"machine-{uuid.uuid4()}")
        for customer in self.customers:
            customer.tags.add(tag)
        self.gift = Gift.objects.create(
            amount=GIFT_AMOUNT,
            description="Monthly",
            schedule=Gift.Schedule.MONTHLY,
            day_of_month=1,
            audience=Gift.Audience.TAG,
            tag=tag,
            start_date=date(2026, 1, 1),
        )
        self.today = date(2026, 1, 1)
        self.gift_months: set[tuple[int, int]] = set()

    def teardown(self):
        if hasattr(self, "gift"):
            Gift.objects.filter(pk=self.gift.pk).update(active=False)

    # --- helpers ---

    def customer_id(self, index: int) -> int:
        return self.customers[index].pk

    def _pick(self, mapping: dict, pick: int):
        if not mapping:
            return None
        return sorted(mapping)[pick % len(mapping)]

    def _refused(self, call) -> None:
        snapshot = [figures(customer) for customer in self.customers]
        count = Entry.objects.filter(customer__in=self.customers).count()
        with pytest.raises(ValidationError):
            call()
        assert [figures(customer) for customer in self.customers] == snapshot
        assert Entry.objects.filter(customer__in=self.customers).count() == count

    def _record(self, entry: Entry, index: int, reversible: bool = True) -> None:
        self.entries[entry.pk] = (index, entry.amount, reversible)

    def _assert_customer_left_available(self, index: int) -> None:
        balance, held = figures(self.customers[index])
        assert balance - held >= 0

    # --- staff ---

    @rule(index=customer_indexes, amount=amounts)
    def staff_credit(self, index, amount):
        key = f"credit:{uuid.uuid4()}"
        entry = balance_credit(
            customer_id=self.customer_id(index),
            amount=amount,
            author=STAFF,
            idempotency_key=key,
        )
        self._record(entry, index)
        self.used_keys.append((index, key, amount))
        self.model[index].balance += amount

    @rule(index=customer_indexes, amount=amounts)
    def staff_debit(self, index, amount):
        entry = balance_debit(
            customer_id=self.customer_id(index),
            amount=amount,
            author=STAFF,
            idempotency_key=f"debit:{uuid.uuid4()}",
        )
        self._record(entry, index)
        self.model[index].balance -= amount

    @rule(index=customer_indexes, amount=bad_amounts)
    def bad_credit_is_refused(self, index, amount):
        self._refused(
            lambda: balance_credit(
                customer_id=self.customer_id(index),
                amount=amount,
                author=STAFF,
                idempotency_key=f"bad:{uuid.uuid4()}",
            )
        )

    @rule(pick=picks)
    def retried_credit_posts_nothing(self, pick):
        if not self.used_keys:
            return
        index, key, amount = self.used_keys[pick % len(self.used_keys)]
        before = figures(self.customers[index])
        balance_credit(
            customer_id=self.customer_id(index),
            amount=amount,
            author=STAFF,
            idempotency_key=key,
        )
        assert figures(self.customers[index]) == before

    @rule(pick=picks)
    def reverse(self, pick):
        entry_id = self._pick(self.entries, pick)
        if entry_id is None:
            return
        index, amount, reversible = self.entries[entry_id]
        if not reversible or entry_id in self.reversed:
            self._refused(
                lambda: entry_reverse(entry_id=entry_id, reason="again", author=STAFF)
            )
            return
        reversal = entry_reverse(entry_id=entry_id, reason="mistake", author=STAFF)
        self.reversed.add(entry_id)
        self._record(reversal, index, reversible=False)
        self.model[index].balance -= amount

    # --- the customer ---

    @rule(index=customer_indexes, amount=amounts)
    def customer_spend(self, index, amount):
        call = lambda: balance_debit(  # noqa: E731
            customer_id=self.customer_id(index),
            amount=amount,
            author=Author.customer(),
            idempotency_key=f"spend:{uuid.uuid4()}",
            kind=Entry.Kind.CHECKOUT,
        )
        if amount > self.model[index].available:
            self._refused(call)
            return
        self._record(call(), index)
        self.model[index].balance -= amount
        self._assert_customer_left_available(index)

    @rule(index=customer_indexes, amount=amounts)
    def checkout_hold(self, index, amount):
        call = lambda: hold_place(  # noqa: E731
            customer_id=self.customer_id(index),
            amount=amount,
            kind=Hold.Kind.CHECKOUT,
            idempotency_key=f"cart:{uuid.uuid4()}",
        )
        if amount > self.model[index].available:
            self._refused(call)
            return
        hold = call()
        self.holds[hold.pk] = (index, amount)
        self.hold_status[hold.pk] = Hold.Status.ACTIVE
        self.model[index].held += amount
        self._assert_customer_left_available(index)

    @rule(pick=picks)
    def checkout_post(self, pick):
        hold_id = self._pick(self.holds, pick)
        if hold_id is None:
            return
        index, amount = self.holds[hold_id]
        status = self.hold_status[hold_id]
        call = lambda: hold_post(hold_id=hold_id, author=Author.customer())  # noqa: E731
        if status == Hold.Status.RELEASED:
            self._refused(call)
            return
        entry = call()
        if status == Hold.Status.ACTIVE:
            self._record(entry, index, reversible=True)
            self.hold_status[hold_id] = Hold.Status.POSTED
            self.model[index].balance -= amount
            self.model[index].held -= amount

    @rule(pick=picks)
    def checkout_release(self, pick):
        hold_id = self._pick(self.holds, pick)
        if hold_id is None:
            return
        index, amount = self.holds[hold_id]
        status = self.hold_status[hold_id]
        if status == Hold.Status.POSTED:
            self._refused(lambda: hold_release(hold_id=hold_id))
            return
        hold_release(hold_id=hold_id)
        if status == Hold.Status.ACTIVE:
            self.hold_status[hold_id] = Hold.Status.RELEASED
            self.model[index].held -= amount

    # --- withdrawals ---

    @rule(index=customer_indexes, amount=amounts)
    def withdrawal_requested(self, index, amount):
        call = lambda: withdrawal_request(  # noqa: E731
            customer_id=self.customer_id(index),
            amount=amount,
            payout_details={"paypal": "me@example.com"},
            minimum=MINIMUM_WITHDRAWAL,
        )
        if amount < MINIMUM_WITHDRAWAL or amount > self.model[index].available:
            self._refused(call)
            return
        withdrawal = call()
        self.withdrawals[withdrawal.pk] = (index, amount)
        self.withdrawal_status[withdrawal.pk] = Withdrawal.Status.PENDING
        self.model[index].held += amount
        self._assert_customer_left_available(index)

    def _withdrawal_step(self, pick, allowed_from, to, call, money) -> None:
        withdrawal_id = self._pick(self.withdrawals, pick)
        if withdrawal_id is None:
            return
        index, amount = self.withdrawals[withdrawal_id]
        status = self.withdrawal_status[withdrawal_id]
        if status == to:
            call(withdrawal_id, index)  # repeating a done step changes nothing
            return
        if status not in allowed_from:
            self._refused(lambda: call(withdrawal_id, index))
            return
        call(withdrawal_id, index)
        self.withdrawal_status[withdrawal_id] = to
        money(self.model[index], amount)

    @rule(pick=picks)
    def withdrawal_approved(self, pick):
        self._withdrawal_step(
            pick,
            {Withdrawal.Status.PENDING},
            Withdrawal.Status.APPROVED,
            lambda pk, index: withdrawal_approve(withdrawal_id=pk, decided_by=None),
            lambda model, amount: None,
        )

    @rule(pick=picks)
    def withdrawal_rejected(self, pick):
        def release(model, amount):
            model.held -= amount

        self._withdrawal_step(
            pick,
            {Withdrawal.Status.PENDING, Withdrawal.Status.APPROVED},
            Withdrawal.Status.REJECTED,
            lambda pk, index: withdrawal_reject(
                withdrawal_id=pk, reason="No", decided_by=None
            ),
            release,
        )

    @rule(pick=picks)
    def withdrawal_cancelled(self, pick):
        def release(model, amount):
            model.held -= amount

        self._withdrawal_step(
            pick,
            {Withdrawal.Status.PENDING},
            Withdrawal.Status.CANCELLED,
            lambda pk, index: withdrawal_cancel(
                withdrawal_id=pk, customer_id=self.customer_id(index)
            ),
            release,
        )

    @rule(pick=picks)
    def withdrawal_paid(self, pick):
        def pay(model, amount):
            model.held -= amount
            model.balance -= amount

        withdrawal_id = self._pick(self.withdrawals, pick)
        if withdrawal_id is not None:
            index, amount = self.withdrawals[withdrawal_id]
            status = self.withdrawal_status[withdrawal_id]
            if status == Withdrawal.Status.APPROVED and (
                self.model[index].balance < amount
            ):
                # A staff debit ate into the held amount: paying it is refused.
                self._refused(
                    lambda: withdrawal_pay(
                        withdrawal_id=withdrawal_id,
                        payout_reference="REF",
                        decided_by=None,
                    )
                )
                return
        self._withdrawal_step(
            pick,
            {Withdrawal.Status.APPROVED},
            Withdrawal.Status.PAID,
            lambda pk, index: withdrawal_pay(
                withdrawal_id=pk, payout_reference="REF", decided_by=None
            ),
            pay,
        )

    # --- gifts ---

    @rule(days=st.integers(min_value=0, max_value=70))
    def gifts_run(self, days):
        self.today += timedelta(days=days)
        gift_run_due(today=self.today)
        month = (self.today.year, self.today.month)
        due = {
            (year, number)
            for year in range(2026, self.today.year + 1)
            for number in range(1, 13)
            if (year, number) <= month
        }
        new_months = due - self.gift_months
        self.gift_months |= due
        for model in self.model:
            model.balance += GIFT_AMOUNT * len(new_months)

    # --- after every step ---

    @invariant()
    def stored_figures_match_the_entries_and_the_model(self):
        if not hasattr(self, "customers"):
            return
        for customer, model in zip(self.customers, self.model, strict=True):
            assert figures(customer) == (model.balance, model.held)
            assert_ledger_consistent(customer)

    @invariant()
    def verify_balances_finds_nothing(self):
        if not hasattr(self, "customers"):
            return
        ids = {customer.pk for customer in self.customers}
        assert [m for m in balance_mismatches() if m.customer_id in ids] == []


@pytest.mark.django_db
def test_ledger_invariants_hold_under_any_sequence_of_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert Customer.objects.exists()
