"""Every ledger service path; a refusal posts nothing and changes no figure."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from balance.models import Entry, Hold, SourceType, Withdrawal
from balance.services import (
    Author,
    SourceRef,
    balance_credit,
    balance_debit,
    balance_set,
    entry_post,
    entry_reverse,
    hold_place,
    hold_post,
    hold_release,
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_pay,
    withdrawal_reject,
    withdrawal_request,
)
from tests.balance.support import (
    STAFF,
    SYSTEM,
    assert_ledger_consistent,
    credit,
    figures,
    key,
)
from tests.customers.factories import CustomerFactory

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

D = Decimal


@pytest.fixture
def customer():
    return CustomerFactory()


def assert_refused(customer, call, message_part: str) -> None:
    """``call`` raises a ValidationError saying ``message_part``; nothing changes."""
    entries_before = Entry.objects.filter(customer=customer).count()
    holds_before = list(Hold.objects.filter(customer=customer).values_list("status"))
    figures_before = figures(customer)
    with pytest.raises(ValidationError) as raised:
        call()
    assert message_part in " ".join(raised.value.messages)
    assert Entry.objects.filter(customer=customer).count() == entries_before
    assert (
        list(Hold.objects.filter(customer=customer).values_list("status"))
        == holds_before
    )
    assert figures(customer) == figures_before
    assert_ledger_consistent(customer)


# --- credit, debit, entry_post ---


def test_balance_credit_posts_an_entry_and_moves_the_balance(customer, staff_user):
    entry = balance_credit(
        customer_id=customer.pk,
        amount=D("12.50"),
        author=Author.staff(staff_user),
        idempotency_key="refund-1",
        note="Refund for the late delivery",
        source=SourceRef(SourceType.ORDER, 77),
    )
    assert entry.amount == D("12.50")
    assert entry.kind == Entry.Kind.MANUAL_CREDIT
    assert entry.balance_after == D("12.50")
    assert entry.author_user == staff_user
    assert entry.author_kind == Entry.AuthorKind.STAFF
    assert entry.author_label == (staff_user.get_full_name() or staff_user.email)
    assert (entry.source_type, entry.source_id) == ("order", "77")
    assert entry.created_at is not None
    assert figures(customer) == (D("12.50"), D("0.00"))
    credit(customer, "0.05")
    assert figures(customer)[0] == D("12.55")
    assert_ledger_consistent(customer)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("0"), "greater than zero"),
        (D("-5"), "greater than zero"),
        (D("1.005"), "2 decimal places"),
        (D("NaN"), "Enter an amount"),
        (D("1000000000000"), "too large"),
        ("abc", "Enter an amount"),
    ],
)
def test_balance_credit_refuses_a_bad_amount(customer, amount, message):
    credit(customer, "3.00")
    assert_refused(
        customer,
        lambda: balance_credit(
            customer_id=customer.pk, amount=amount, author=STAFF, idempotency_key=key()
        ),
        message,
    )


def test_balance_credit_refuses_a_float(customer):
    with pytest.raises(TypeError):
        balance_credit(
            customer_id=customer.pk,
            amount=1.5,  # type: ignore[arg-type]
            author=STAFF,
            idempotency_key=key(),
        )
    assert not Entry.objects.exists()


def test_balance_credit_refuses_an_unknown_customer():
    with pytest.raises(ValidationError, match="does not exist"):
        balance_credit(
            customer_id=987654, amount=D("1"), author=STAFF, idempotency_key=key()
        )
    assert not Entry.objects.exists()


def test_balance_debit_by_staff_may_go_below_zero(customer):
    credit(customer, "10.00")
    entry = balance_debit(
        customer_id=customer.pk,
        amount=D("25.00"),
        author=STAFF,
        idempotency_key=key(),
        note="Damaged rental",
    )
    assert entry.amount == D("-25.00")
    assert entry.kind == Entry.Kind.MANUAL_DEBIT
    assert entry.balance_after == D("-15.00")
    assert figures(customer)[0] == D("-15.00")
    assert_ledger_consistent(customer)


def test_balance_debit_by_the_customer_stays_within_the_available_balance(customer):
    credit(customer, "10.00")
    hold_place(
        customer_id=customer.pk,
        amount=D("4.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key=key(),
    )
    spend = Author.customer()
    assert_refused(
        customer,
        lambda: balance_debit(
            customer_id=customer.pk,
            amount=D("6.01"),
            author=spend,
            idempotency_key=key(),
            kind=Entry.Kind.CHECKOUT,
        ),
        "is available",
    )
    entry = balance_debit(
        customer_id=customer.pk,
        amount=D("6.00"),
        author=spend,
        idempotency_key=key(),
        kind=Entry.Kind.CHECKOUT,
    )
    assert entry.balance_after == D("4.00")
    assert figures(customer) == (D("4.00"), D("4.00"))


def test_balance_debit_by_a_system_job_cannot_create_a_debt(customer):
    credit(customer, "1.00")
    assert_refused(
        customer,
        lambda: balance_debit(
            customer_id=customer.pk,
            amount=D("1.01"),
            author=SYSTEM,
            idempotency_key=key(),
            kind=Entry.Kind.AUTOMATION,
        ),
        "is available",
    )


def test_entry_post_refuses_a_sign_that_does_not_suit_the_kind(customer):
    credit(customer, "5.00")
    for kind, amount, message in (
        (Entry.Kind.MANUAL_CREDIT, D("-1"), "must be positive"),
        (Entry.Kind.GIFT, D("-1"), "must be positive"),
        (Entry.Kind.MANUAL_DEBIT, D("1"), "must be negative"),
        (Entry.Kind.WITHDRAWAL, D("1"), "must be negative"),
        (Entry.Kind.REVERSAL, D("-1"), "entry_reverse"),
        (Entry.Kind.ADJUSTMENT, D("0"), "cannot be zero"),
    ):
        assert_refused(
            customer,
            lambda kind=kind, amount=amount: entry_post(
                customer_id=customer.pk,
                amount=amount,
                kind=kind,
                author=STAFF,
                idempotency_key=key(),
            ),
            message,
        )


def test_entry_post_with_a_used_key_returns_the_first_entry(customer):
    first = credit(customer, "7.00", idempotency_key="once")
    again = credit(customer, "7.00", idempotency_key="once", note="retried")
    assert again.pk == first.pk
    assert again.note == ""
    assert Entry.objects.count() == 1
    assert figures(customer)[0] == D("7.00")


def test_entry_post_with_a_used_key_for_another_request_is_refused(customer):
    credit(customer, "7.00", idempotency_key="once")
    assert_refused(
        customer,
        lambda: credit(customer, "8.00", idempotency_key="once"),
        "already used for a different operation",
    )
    assert_refused(
        customer,
        lambda: balance_debit(
            customer_id=customer.pk,
            amount=D("7.00"),
            author=STAFF,
            idempotency_key="once",
        ),
        "already used for a different operation",
    )


def test_idempotency_keys_are_per_customer(customer):
    other = CustomerFactory()
    credit(customer, "1.00", idempotency_key="same")
    credit(other, "2.00", idempotency_key="same")
    assert figures(customer)[0] == D("1.00")
    assert figures(other)[0] == D("2.00")


def test_top_level_services_are_durable_and_offer_in_transaction(customer):
    with transaction.atomic(), pytest.raises(RuntimeError):
        credit(customer, "1.00")
    with transaction.atomic():
        entry = balance_credit.in_transaction(
            customer_id=customer.pk,
            amount=D("1.00"),
            author=STAFF,
            idempotency_key=key(),
        )
    assert entry.balance_after == D("1.00")


def test_a_failure_after_posting_in_the_callers_transaction_rolls_the_entry_back(
    customer,
):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        balance_credit.in_transaction(
            customer_id=customer.pk,
            amount=D("1.00"),
            author=STAFF,
            idempotency_key=key(),
        )
        1 / 0  # noqa: B018 - the caller fails after the credit
    assert not Entry.objects.exists()
    assert figures(customer)[0] == D("0.00")


# --- balance_set ---


def test_balance_set_posts_the_difference_as_an_adjustment(customer):
    credit(customer, "10.00")
    entry = balance_set(
        customer_id=customer.pk, target=D("3.50"), author=STAFF, idempotency_key="set-1"
    )
    assert entry.kind == Entry.Kind.ADJUSTMENT
    assert entry.amount == D("-6.50")
    assert figures(customer)[0] == D("3.50")
    raised = balance_set(
        customer_id=customer.pk, target=D("-2"), author=STAFF, idempotency_key=key()
    )
    assert raised.amount == D("-5.50")
    assert figures(customer)[0] == D("-2.00")
    assert_ledger_consistent(customer)


def test_balance_set_to_the_current_balance_posts_nothing(customer):
    credit(customer, "10.00")
    assert (
        balance_set(
            customer_id=customer.pk, target=D("10"), author=STAFF, idempotency_key=key()
        )
        is None
    )
    assert Entry.objects.count() == 1


def test_balance_set_retried_returns_the_first_adjustment(customer):
    credit(customer, "10.00")
    first = balance_set(
        customer_id=customer.pk, target=D("4"), author=STAFF, idempotency_key="set"
    )
    credit(customer, "1.00")
    again = balance_set(
        customer_id=customer.pk, target=D("4"), author=STAFF, idempotency_key="set"
    )
    assert again.pk == first.pk
    assert figures(customer)[0] == D("5.00")


def test_balance_set_refuses_too_many_decimals(customer):
    assert_refused(
        customer,
        lambda: balance_set(
            customer_id=customer.pk,
            target=D("1.234"),
            author=STAFF,
            idempotency_key=key(),
        ),
        "2 decimal places",
    )


# --- entry_reverse ---


def test_entry_reverse_posts_the_opposite_linked_to_the_original(customer, staff_user):
    original = credit(customer, "20.00")
    credit(customer, "1.00")
    reversal = entry_reverse(
        entry_id=original.pk, reason="Wrong customer", author=Author.staff(staff_user)
    )
    assert reversal.amount == D("-20.00")
    assert reversal.kind == Entry.Kind.REVERSAL
    assert reversal.reversal_of == original
    assert reversal.note == "Wrong customer"
    assert reversal.balance_after == D("1.00")
    original.refresh_from_db()
    assert original.reversed_by == reversal
    assert_ledger_consistent(customer)


def test_entry_reverse_may_take_the_balance_into_debt(customer):
    original = credit(customer, "20.00")
    balance_debit(
        customer_id=customer.pk,
        amount=D("15"),
        author=Author.customer(),
        idempotency_key=key(),
        kind=Entry.Kind.CHECKOUT,
    )
    entry_reverse(entry_id=original.pk, reason="Credited by mistake", author=STAFF)
    assert figures(customer)[0] == D("-15.00")


def test_entry_reverse_twice_is_refused(customer):
    original = credit(customer, "20.00")
    entry_reverse(entry_id=original.pk, reason="Mistake", author=STAFF)
    assert_refused(
        customer,
        lambda: entry_reverse(entry_id=original.pk, reason="Again", author=STAFF),
        "already deleted",
    )


def test_entry_reverse_refuses_a_reversal_an_owned_entry_or_no_reason(customer):
    original = credit(customer, "20.00")
    reversal = entry_reverse(entry_id=original.pk, reason="Mistake", author=STAFF)
    assert_refused(
        customer,
        lambda: entry_reverse(entry_id=reversal.pk, reason="Undo", author=STAFF),
        "A reversal cannot be deleted",
    )
    for source_type, word in (
        (SourceType.ORDER, "order"),
        (SourceType.WITHDRAWAL, "withdrawal"),
    ):
        owned = credit(customer, "5.00", source=SourceRef(source_type, 9))
        assert_refused(
            customer,
            lambda owned=owned: entry_reverse(
                entry_id=owned.pk, reason="Undo", author=STAFF
            ),
            f"undo it through the {word}",
        )
    other = credit(customer, "5.00")
    assert_refused(
        customer,
        lambda: entry_reverse(entry_id=other.pk, reason="  ", author=STAFF),
        "Say why",
    )
    assert_refused(
        customer,
        lambda: entry_reverse(entry_id=999999, reason="x", author=STAFF),
        "does not exist",
    )


# --- holds ---


def test_hold_place_lowers_the_available_balance(customer):
    credit(customer, "10.00")
    hold = hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key="cart-1",
        source=SourceRef(SourceType.ORDER, 5),
    )
    assert hold.status == Hold.Status.ACTIVE
    assert figures(customer) == (D("10.00"), D("6.00"))
    again = hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key="cart-1",
    )
    assert again.pk == hold.pk
    assert figures(customer) == (D("10.00"), D("6.00"))
    assert_ledger_consistent(customer)


def test_hold_place_refuses_more_than_available_and_a_reused_key(customer):
    credit(customer, "10.00")
    hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key="cart-1",
    )
    assert_refused(
        customer,
        lambda: hold_place(
            customer_id=customer.pk,
            amount=D("4.01"),
            kind=Hold.Kind.CHECKOUT,
            idempotency_key=key(),
        ),
        "cannot be set aside",
    )
    assert_refused(
        customer,
        lambda: hold_place(
            customer_id=customer.pk,
            amount=D("1.00"),
            kind=Hold.Kind.CHECKOUT,
            idempotency_key="cart-1",
        ),
        "different hold",
    )
    assert_refused(
        customer,
        lambda: hold_place(
            customer_id=customer.pk,
            amount=D("0"),
            kind=Hold.Kind.CHECKOUT,
            idempotency_key=key(),
        ),
        "greater than zero",
    )


def test_hold_post_debits_once_and_frees_the_held_amount(customer):
    credit(customer, "10.00")
    hold = hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key=key(),
        source=SourceRef(SourceType.ORDER, 31),
    )
    entry = hold_post(hold_id=hold.pk, author=Author.customer(), note="Order 31")
    assert entry.amount == D("-6.00")
    assert entry.kind == Entry.Kind.CHECKOUT
    assert (entry.source_type, entry.source_id) == ("order", "31")
    assert figures(customer) == (D("4.00"), D("0.00"))
    assert hold_post(hold_id=hold.pk, author=Author.customer()).pk == entry.pk
    hold.refresh_from_db()
    assert hold.status == Hold.Status.POSTED
    assert hold.entry == entry
    assert hold.closed_at is not None
    assert Entry.objects.count() == 2
    assert_refused(customer, lambda: hold_release(hold_id=hold.pk), "already paid out")
    assert_ledger_consistent(customer)


def test_hold_post_goes_through_even_after_a_staff_debit_made_a_debt(customer):
    credit(customer, "10.00")
    hold = hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key=key(),
    )
    balance_debit(
        customer_id=customer.pk, amount=D("9"), author=STAFF, idempotency_key=key()
    )
    hold_post(hold_id=hold.pk, author=Author.customer())
    assert figures(customer) == (D("-5.00"), D("0.00"))
    assert_ledger_consistent(customer)


def test_hold_release_gives_the_amount_back_once(customer):
    credit(customer, "10.00")
    hold = hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.CHECKOUT,
        idempotency_key=key(),
    )
    hold_release(hold_id=hold.pk)
    hold_release(hold_id=hold.pk)
    assert figures(customer) == (D("10.00"), D("0.00"))
    assert Entry.objects.count() == 1
    assert_refused(
        customer,
        lambda: hold_post(hold_id=hold.pk, author=STAFF),
        "was released",
    )
    assert_refused(customer, lambda: hold_release(hold_id=424242), "does not exist")


# --- withdrawals ---


def request(customer, amount="30.00", minimum="20.00", **kwargs):
    return withdrawal_request(
        customer_id=customer.pk,
        amount=D(amount),
        payout_details={"iban": "IT60X0542811101000000123456"},
        minimum=D(minimum),
        **kwargs,
    )


def test_withdrawal_request_holds_the_amount_at_once(customer):
    credit(customer, "50.00")
    withdrawal = request(customer)
    assert withdrawal.status == Withdrawal.Status.PENDING
    assert withdrawal.payout_details == {"iban": "IT60X0542811101000000123456"}
    assert withdrawal.hold.amount == D("30.00")
    assert (withdrawal.hold.source_type, withdrawal.hold.source_id) == (
        "withdrawal",
        str(withdrawal.pk),
    )
    assert figures(customer) == (D("50.00"), D("30.00"))
    assert_ledger_consistent(customer)


def test_withdrawal_request_refusals(customer):
    credit(customer, "50.00")
    assert_refused(customer, lambda: request(customer, amount="19.99"), "minimum")
    assert_refused(customer, lambda: request(customer, amount="50.01"), "available")
    assert_refused(customer, lambda: request(customer, amount="0"), "greater than zero")
    request(customer, amount="30.00")
    assert_refused(customer, lambda: request(customer, amount="20.01"), "available")
    assert Withdrawal.objects.count() == 1


def test_withdrawal_request_with_a_key_is_made_once(customer):
    credit(customer, "50.00")
    first = request(customer, idempotency_key="form-1")
    again = request(customer, idempotency_key="form-1")
    assert again.pk == first.pk
    assert figures(customer) == (D("50.00"), D("30.00"))


def test_withdrawal_approve_then_pay_posts_the_hold(customer, staff_user):
    credit(customer, "50.00")
    withdrawal = request(customer)
    withdrawal = withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user)
    assert withdrawal.status == Withdrawal.Status.APPROVED
    assert withdrawal.decided_by == staff_user
    assert figures(customer) == (D("50.00"), D("30.00"))
    paid = withdrawal_pay(
        withdrawal_id=withdrawal.pk, payout_reference="SEPA-123", decided_by=staff_user
    )
    assert paid.status == Withdrawal.Status.PAID
    assert paid.payout_reference == "SEPA-123"
    assert figures(customer) == (D("20.00"), D("0.00"))
    entry = Entry.objects.get(kind=Entry.Kind.WITHDRAWAL)
    assert entry.amount == D("-30.00")
    assert (entry.source_type, entry.source_id) == ("withdrawal", str(withdrawal.pk))
    assert entry.author_user == staff_user
    again = withdrawal_pay(
        withdrawal_id=withdrawal.pk, payout_reference="SEPA-123", decided_by=staff_user
    )
    assert again.status == Withdrawal.Status.PAID
    assert Entry.objects.filter(kind=Entry.Kind.WITHDRAWAL).count() == 1
    assert_refused(
        customer,
        lambda: entry_reverse(entry_id=entry.pk, reason="Undo", author=STAFF),
        "undo it through the withdrawal",
    )
    assert_ledger_consistent(customer)


def test_withdrawal_pay_needs_an_approved_request_and_a_reference(customer, staff_user):
    credit(customer, "50.00")
    withdrawal = request(customer)
    assert_refused(
        customer,
        lambda: withdrawal_pay(
            withdrawal_id=withdrawal.pk, payout_reference="X", decided_by=staff_user
        ),
        "Only an approved request",
    )
    withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user)
    assert_refused(
        customer,
        lambda: withdrawal_pay(
            withdrawal_id=withdrawal.pk, payout_reference=" ", decided_by=staff_user
        ),
        "payout reference",
    )


def test_withdrawal_reject_releases_the_hold(customer, staff_user):
    credit(customer, "50.00")
    withdrawal = request(customer)
    assert_refused(
        customer,
        lambda: withdrawal_reject(
            withdrawal_id=withdrawal.pk, reason="", decided_by=staff_user
        ),
        "reason",
    )
    rejected = withdrawal_reject(
        withdrawal_id=withdrawal.pk, reason="IBAN is not valid", decided_by=staff_user
    )
    assert rejected.status == Withdrawal.Status.REJECTED
    assert rejected.rejection_reason == "IBAN is not valid"
    assert figures(customer) == (D("50.00"), D("0.00"))
    assert Entry.objects.count() == 1
    assert_refused(
        customer,
        lambda: withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user),
        "Only a pending request can be approved",
    )


def test_withdrawal_reject_after_approval_releases_the_hold(customer, staff_user):
    credit(customer, "50.00")
    withdrawal = request(customer)
    withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user)
    withdrawal_reject(
        withdrawal_id=withdrawal.pk, reason="Bank refused", decided_by=staff_user
    )
    assert figures(customer) == (D("50.00"), D("0.00"))


def test_withdrawal_cancel_by_the_customer_only_while_pending(customer, staff_user):
    credit(customer, "50.00")
    withdrawal = request(customer)
    stranger = CustomerFactory()
    assert_refused(
        customer,
        lambda: withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=stranger.pk),
        "does not exist",
    )
    cancelled = withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=customer.pk)
    assert cancelled.status == Withdrawal.Status.CANCELLED
    assert figures(customer) == (D("50.00"), D("0.00"))
    second = request(customer)
    withdrawal_approve(withdrawal_id=second.pk, decided_by=staff_user)
    assert_refused(
        customer,
        lambda: withdrawal_cancel(withdrawal_id=second.pk, customer_id=customer.pk),
        "Only a pending request can be cancelled",
    )
    assert_refused(
        customer,
        lambda: withdrawal_pay(
            withdrawal_id=withdrawal.pk, payout_reference="X", decided_by=staff_user
        ),
        "Only an approved request",
    )
    assert_ledger_consistent(customer)


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_to_lock_outside_a_transaction(customer):
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError):
        entry_post.func(
            customer_id=customer.pk,
            amount=D("1.00"),
            kind=Entry.Kind.MANUAL_CREDIT,
            author=STAFF,
            idempotency_key=key(),
        )


def test_a_retried_spend_returns_the_first_entry_though_no_longer_affordable(customer):
    credit(customer, "10.00")

    def spend():
        return balance_debit(
            customer_id=customer.pk,
            amount=D("8.00"),
            author=Author.customer(),
            idempotency_key="cart-9",
            kind=Entry.Kind.CHECKOUT,
        )

    first = spend()
    again = spend()
    assert again.pk == first.pk
    assert figures(customer)[0] == D("2.00")
    assert Entry.objects.count() == 2


def test_withdrawal_pay_refused_when_a_debit_ate_into_the_held_amount(
    customer, staff_user
):
    """Balance 100, 70 held for a withdrawal, staff debit 100: paying the 70
    would leave the balance at -70, so it is refused and nothing moves."""
    credit(customer, "100.00")
    withdrawal = request(customer, amount="70.00")
    withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=staff_user)
    balance_debit(
        customer_id=customer.pk, amount=D("100.00"), author=STAFF, idempotency_key=key()
    )
    assert figures(customer) == (D("0.00"), D("70.00"))

    assert_refused(
        customer,
        lambda: withdrawal_pay(
            withdrawal_id=withdrawal.pk, payout_reference="X", decided_by=staff_user
        ),
        "The balance (0.00 EUR) no longer covers this withdrawal of 70.00 EUR: "
        "70.00 EUR is missing.",
    )
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.APPROVED
    assert withdrawal.hold.status == Hold.Status.ACTIVE
    assert not Entry.objects.filter(kind=Entry.Kind.WITHDRAWAL).exists()

    credit(customer, "70.00")
    paid = withdrawal_pay(
        withdrawal_id=withdrawal.pk, payout_reference="X", decided_by=staff_user
    )
    assert paid.status == Withdrawal.Status.PAID
    assert figures(customer) == (D("0.00"), D("0.00"))
    assert_ledger_consistent(customer)
