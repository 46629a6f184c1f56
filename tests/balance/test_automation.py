"""The ledger's funnel actions, conditions, {balance} and "withdrawal requested"."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from balance.models import Entry, Hold
from balance.services import hold_place, withdrawal_request
from core import plugins
from core.plugins import AutomationActionRefused, AutomationContext
from core.shortcodes import shortcodes_render
from tests.balance.support import assert_ledger_consistent, credit, figures
from tests.core.automation_support import events_committed, events_sent
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

D = Decimal
CONTEXT = AutomationContext(run_id=4, step_visit_id=81)


def run(key: str, customer, params: dict, *, idempotency_key="step:81"):
    action = plugins.automation_actions.get(key)
    assert action is not None
    return action.run(
        customer, params, idempotency_key=idempotency_key, context=CONTEXT
    )


def automation_entries(customer):
    return list(Entry.objects.filter(customer=customer).exclude(author_label="tests"))


def test_assign_credits_twice_with_one_key_credits_once_with_the_note_filled_in():
    customer = CustomerFactory(first_name="Ada")
    params = {"amount": "5.00", "note": "Welcome {first_name}, you have {balance}"}
    first = run("balance.assign_credits", customer, params)
    again = run("balance.assign_credits", customer, params)
    (entry,) = automation_entries(customer)
    assert entry.amount == D("5.00") and entry.kind == Entry.Kind.AUTOMATION
    assert entry.note == "Welcome Ada, you have 0.00 EUR"  # rendered before posting
    assert (entry.source_type, entry.source_id) == ("funnel_step", "81")
    assert entry.author_label == "Automation"
    assert first == again == "Credited 5.00 EUR (balance 5.00 EUR)."
    assert figures(customer)[0] == D("5.00")


def test_remove_credits_twice_with_one_key_debits_once():
    customer = CustomerFactory()
    credit(customer, "20.00")
    for _attempt in range(2):
        run("balance.remove_credits", customer, {"amount": "7.50", "note": "Fee"})
    (entry,) = automation_entries(customer)
    assert entry.amount == D("-7.50") and entry.note == "Fee"
    assert figures(customer)[0] == D("12.50")
    assert_ledger_consistent(customer)


def test_remove_credits_is_refused_when_the_available_balance_cannot_cover_it():
    customer = CustomerFactory()
    credit(customer, "10.00")
    hold_place(
        customer_id=customer.pk,
        amount=D("4.00"),
        kind=Hold.Kind.WITHDRAWAL,
        idempotency_key="hold-1",
    )
    with pytest.raises(AutomationActionRefused) as refused:
        run("balance.remove_credits", customer, {"amount": "8.00"})
    assert str(refused.value) == "Only 6.00 EUR is available: 8.00 EUR cannot be taken."
    assert automation_entries(customer) == []
    assert figures(customer) == (D("10.00"), D("4.00"))


def test_set_balance_brings_the_balance_up_and_down_and_does_nothing_when_equal():
    customer = CustomerFactory()
    credit(customer, "10.00")
    assert run(
        "balance.set_balance", customer, {"amount": "25.00"}, idempotency_key="up"
    ) == ("Balance set to 25.00 EUR (+15.00 EUR).")
    assert figures(customer)[0] == D("25.00")
    run("balance.set_balance", customer, {"amount": "3.00"}, idempotency_key="down")
    assert figures(customer)[0] == D("3.00")
    said = run(
        "balance.set_balance", customer, {"amount": "3.00"}, idempotency_key="same"
    )
    assert said == "The balance already was 3.00 EUR: nothing posted."
    amounts = [e.amount for e in automation_entries(customer)]
    assert sorted(amounts) == [D("-22.00"), D("15.00")]
    assert {e.kind for e in automation_entries(customer)} == {Entry.Kind.ADJUSTMENT}
    assert {e.source_id for e in automation_entries(customer)} == {"81"}
    assert_ledger_consistent(customer)


def test_set_balance_rerun_with_its_key_is_a_no_op_even_after_the_balance_moved():
    customer = CustomerFactory()
    run("balance.set_balance", customer, {"amount": "50.00"})
    credit(customer, "5.00")  # the balance moves meanwhile: 55.00
    run("balance.set_balance", customer, {"amount": "50.00"})
    assert figures(customer)[0] == D("55.00")
    assert len(automation_entries(customer)) == 1


def test_set_balance_below_what_is_held_is_refused():
    customer = CustomerFactory()
    credit(customer, "10.00")
    hold_place(
        customer_id=customer.pk,
        amount=D("6.00"),
        kind=Hold.Kind.WITHDRAWAL,
        idempotency_key="hold-1",
    )
    with pytest.raises(AutomationActionRefused, match="is available"):
        run("balance.set_balance", customer, {"amount": "2.00"})
    assert figures(customer)[0] == D("10.00")


def test_the_actions_describe_what_they_would_do_changing_nothing():
    customer = CustomerFactory()
    credit(customer, "10.00")
    describe = {
        key: plugins.automation_actions.get(key).describe
        for key in (
            "balance.assign_credits",
            "balance.remove_credits",
            "balance.set_balance",
        )
    }
    simulation = AutomationContext(simulate=True)
    assert (
        describe["balance.assign_credits"](customer, {"amount": "3"}, simulation)
        == "Would credit 3.00 EUR."
    )
    assert describe["balance.remove_credits"](
        customer, {"amount": "30"}, simulation
    ).startswith("Would be refused: only 10.00 EUR is available")
    assert (
        describe["balance.set_balance"](customer, {"amount": "10"}, simulation)
        == "The balance already is 10.00 EUR: nothing would change."
    )
    assert (
        describe["balance.set_balance"](customer, {"amount": "4"}, simulation)
        == "Would set the balance from 10.00 EUR to 4.00 EUR."
    )
    assert Entry.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize(
    ("key", "amount", "valid"),
    [
        ("balance.remove_credits", "2,5", True),
        ("balance.remove_credits", "0", False),
        ("balance.remove_credits", "-1", False),
        ("balance.remove_credits", "1e9", False),
        ("balance.remove_credits", "9999999999999", False),
        ("balance.set_balance", "0", True),
        ("balance.set_balance", "-0.01", False),
        ("balance.set_balance", "abc", False),
    ],
)
def test_the_action_forms_check_the_amount(key, amount, valid):
    form = plugins.automation_actions.get(key).form_class(
        {"amount": amount, "note": "x"}
    )
    assert form.is_valid() is valid
    if valid:
        assert isinstance(form.cleaned_data["amount"], str)  # JSON-safe parameters


def test_balance_conditions_are_true_and_false():
    customer = CustomerFactory()
    credit(customer, "10.00")
    above = plugins.automation_conditions.get("balance.above").test
    below = plugins.automation_conditions.get("balance.below").test
    assert above(customer, {"amount": "9.99"}, CONTEXT)
    assert not above(customer, {"amount": "10.00"}, CONTEXT)
    assert below(customer, {"amount": "10.01"}, CONTEXT)
    assert not below(customer, {"amount": "10.00"}, CONTEXT)


def test_the_balance_shortcode_is_money_in_the_active_language():
    customer = CustomerFactory()
    credit(customer, "1234.50")
    with translation.override("it"):
        text = shortcodes_render("Hai {balance}", customer, CONTEXT)
    assert text == "Hai 1.234,50 EUR"
    assert shortcodes_render("{balance}", customer, CONTEXT) == "1,234.50 EUR"


def test_a_withdrawal_request_sends_withdrawal_requested_once():
    customer = CustomerFactory()
    credit(customer, "50.00")
    with events_sent("withdrawal.requested") as sent:
        for _attempt in range(2):  # a double click: the same request
            withdrawal = withdrawal_request(
                customer_id=customer.pk,
                amount=D("20.00"),
                payout_details={},
                idempotency_key="form-1",
            )
    (event,) = sent
    assert event.customer_id == customer.pk
    assert event.entry_key == f"withdrawal:{withdrawal.pk}"
    assert event.payload == {"withdrawal_id": withdrawal.pk, "amount": "20.00"}


def test_withdrawal_requested_rolls_back_with_the_request(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    credit(customer, "50.00")
    with (
        events_committed("withdrawal.requested") as committed,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        withdrawal_request.in_transaction(
            customer_id=customer.pk, amount=D("20.00"), payout_details={}
        )
        raise RuntimeError("the caller fails after the request")
    assert committed == []
    assert figures(customer) == (D("50.00"), D("0.00"))
