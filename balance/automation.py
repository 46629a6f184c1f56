"""What the ledger offers funnels: actions, conditions, a shortcode and a trigger.

Actions ("balance.assign_credits", "balance.remove_credits", "balance.set_balance")
post through the ledger's services inside the engine's transaction
(``in_transaction``), so the money and the step's record commit together, under
the step's idempotency key: called again with the same key they return the first
entry and move nothing, even if the balance moved since. Each entry points at the
step visit (``SourceType.FUNNEL_STEP``) and its note takes shortcodes.

A refusal of the ledger (a debit the available balance cannot cover: automation
posts as a system job, which may not take a balance into debt) becomes
``AutomationActionRefused`` with the ledger's message.

The forms' ``cleaned_data`` is what a funnel stores as the step's parameters, so it
is JSON-safe: amounts as text ("5.00").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balance.models import Entry, SourceType
from balance.services import (
    Author,
    CreditRequest,
    SourceRef,
    balance_credit,
    balance_credit_many,
    balance_debit,
    balance_set,
)
from core.money import money_format, parse_amount
from core.plugins import (
    AutomationActionRefused,
    AutomationCall,
    AutomationContext,
    AutomationOutcome,
)
from core.shortcodes import shortcodes_render
from customers.models import Customer

NOTE_MAX_LENGTH = 255


class _AmountForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=20)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("Shortcodes such as {first_name} are filled in."),
    )

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount <= 0:
            raise ValidationError(_("The amount must be greater than zero."))
        return str(amount)


class AssignCreditsForm(_AmountForm):
    """The parameters of "assign credits" (and "remove credits")."""


class RemoveCreditsForm(_AmountForm):
    pass


class SetBalanceForm(_AmountForm):
    """The parameters of "set balance": the balance to bring the customer to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = gettext_lazy("New balance")

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount < 0:
            raise ValidationError(_("The balance cannot be set below zero."))
        return str(amount)


class BalanceConditionForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=20)

    def clean_amount(self):
        return str(parse_amount(self.cleaned_data["amount"]))


def _amount(params: dict[str, Any]) -> Decimal:
    try:
        return parse_amount(str(params.get("amount", "")))
    except ValidationError as error:
        raise AutomationActionRefused(" ".join(error.messages)) from error


def _note(customer, params: dict[str, Any], context: AutomationContext) -> str:
    note = shortcodes_render(str(params.get("note") or ""), customer, context)
    return note[:NOTE_MAX_LENGTH]


def _source(context: AutomationContext) -> SourceRef | None:
    if not context.step_visit_id:
        return None
    return SourceRef(SourceType.FUNNEL_STEP, context.step_visit_id)


# Stored as the entry's author label: not translated, like "checkout".
AUTHOR = Author.system("Automation")


def _author() -> Author:
    return AUTHOR


def _refused(error: ValidationError) -> AutomationActionRefused:
    return AutomationActionRefused(" ".join(error.messages))


def assign_credits(
    customer,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    context: AutomationContext,
) -> str:
    """ "balance.assign_credits": credits ``params["amount"]`` once per key."""
    amount = _amount(params)
    try:
        entry = balance_credit.in_transaction(
            customer_id=customer.pk,
            amount=amount,
            kind=Entry.Kind.AUTOMATION,
            author=_author(),
            idempotency_key=idempotency_key,
            note=_note(customer, params, context),
            source=_source(context),
        )
    except ValidationError as error:
        raise _refused(error) from error
    return _("Credited %(amount)s (balance %(balance)s).") % {
        "amount": money_format(entry.amount),
        "balance": money_format(entry.balance_after),
    }


def assign_credits_many(
    calls: list[AutomationCall], params: dict[str, Any]
) -> list[AutomationOutcome]:
    """ "balance.assign_credits" for a batch: one ``balance_credit_many`` (one lock,
    one insert, one update). A refusal raises: the engine then runs each alone, so
    only the refused one fails."""
    amount = _amount(params)
    try:
        posted = balance_credit_many.in_transaction(
            credits=[
                CreditRequest(
                    customer_id=call.customer.pk,
                    amount=amount,
                    idempotency_key=call.idempotency_key,
                    note=_note(call.customer, params, call.context),
                    source=_source(call.context),
                )
                for call in calls
            ],
            author=_author(),
            kind=Entry.Kind.AUTOMATION,
        )
    except ValidationError as error:
        raise _refused(error) from error
    return [
        _("Credited %(amount)s (balance %(balance)s).")
        % {
            "amount": money_format(entry.amount),
            "balance": money_format(entry.balance_after),
        }
        for entry, _created in posted
    ]


def assign_credits_describe(customer, params, context) -> str:
    return _("Would credit %(amount)s.") % {"amount": money_format(_amount(params))}


def remove_credits(
    customer,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    context: AutomationContext,
) -> str:
    """ "balance.remove_credits": debits ``params["amount"]`` once per key.

    Refused (``AutomationActionRefused``) when the available balance (balance
    minus holds) cannot cover it: like every system job, automation never takes a
    customer into debt.
    """
    amount = _amount(params)
    try:
        entry = balance_debit.in_transaction(
            customer_id=customer.pk,
            amount=amount,
            kind=Entry.Kind.AUTOMATION,
            author=_author(),
            idempotency_key=idempotency_key,
            note=_note(customer, params, context),
            source=_source(context),
        )
    except ValidationError as error:
        raise _refused(error) from error
    return _("Debited %(amount)s (balance %(balance)s).") % {
        "amount": money_format(-entry.amount),
        "balance": money_format(entry.balance_after),
    }


def _figures(customer_id: int) -> tuple[Decimal, Decimal]:
    balance, held = (
        Customer.objects.filter(pk=customer_id)
        .values_list("balance", "balance_held")
        .get()
    )
    return balance, held


def remove_credits_describe(customer, params, context) -> str:
    amount = _amount(params)
    balance, held = _figures(customer.pk)
    if amount > balance - held:
        return _(
            "Would be refused: only %(available)s is available, %(amount)s cannot "
            "be taken."
        ) % {
            "available": money_format(max(balance - held, Decimal(0))),
            "amount": money_format(amount),
        }
    return _("Would debit %(amount)s.") % {"amount": money_format(amount)}


def set_balance(
    customer,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    context: AutomationContext,
) -> str:
    """ "balance.set_balance": brings the balance to ``params["amount"]``.

    The difference is computed under the customer's row lock and posted as one
    adjustment; nothing when the balance already is the value. The same key again
    returns the first adjustment, even if the balance moved since.
    """
    target = _amount(params)
    try:
        entry = balance_set.in_transaction(
            customer_id=customer.pk,
            target=target,
            author=_author(),
            idempotency_key=idempotency_key,
            note=_note(customer, params, context),
            source=_source(context),
        )
    except ValidationError as error:
        raise _refused(error) from error
    if entry is None:
        return _("The balance already was %(amount)s: nothing posted.") % {
            "amount": money_format(target)
        }
    return _("Balance set to %(balance)s (%(change)s).") % {
        "balance": money_format(entry.balance_after),
        "change": ("+" if entry.amount > 0 else "") + money_format(entry.amount),
    }


def set_balance_describe(customer, params, context) -> str:
    target = _amount(params)
    balance, _held = _figures(customer.pk)
    if balance == target:
        return _("The balance already is %(amount)s: nothing would change.") % {
            "amount": money_format(target)
        }
    return _("Would set the balance from %(from)s to %(to)s.") % {
        "from": money_format(balance),
        "to": money_format(target),
    }


def balance_above(customer, params, context) -> bool:
    """ "balance.above": the balance is more than ``params["amount"]``."""
    balance, _held = _figures(customer.pk)
    return balance > parse_amount(str(params["amount"]))


def balance_below(customer, params, context) -> bool:
    """ "balance.below": the balance is less than ``params["amount"]``."""
    balance, _held = _figures(customer.pk)
    return balance < parse_amount(str(params["amount"]))


def balance_shortcode(customer, context) -> str:
    """``{balance}``: the balance, in the active language's format."""
    balance, _held = _figures(customer.pk)
    return money_format(balance)


def register() -> None:
    """Called from ``BalanceConfig.ready()``."""
    from core import plugins

    actions = [
        plugins.AutomationAction(
            "balance.assign_credits",
            gettext_lazy("Assign credits"),
            run=assign_credits,
            run_many=assign_credits_many,
            form_class=AssignCreditsForm,
            describe=assign_credits_describe,
            order=10,
        ),
        plugins.AutomationAction(
            "balance.remove_credits",
            gettext_lazy("Remove credits"),
            run=remove_credits,
            form_class=RemoveCreditsForm,
            describe=remove_credits_describe,
            order=11,
        ),
        plugins.AutomationAction(
            "balance.set_balance",
            gettext_lazy("Set balance"),
            run=set_balance,
            form_class=SetBalanceForm,
            describe=set_balance_describe,
            order=12,
        ),
    ]
    for action in actions:
        plugins.automation_actions.register(action)
    plugins.automation_conditions.register(
        plugins.AutomationCondition(
            "balance.above",
            gettext_lazy("Balance above"),
            test=balance_above,
            form_class=BalanceConditionForm,
            order=10,
        )
    )
    plugins.automation_conditions.register(
        plugins.AutomationCondition(
            "balance.below",
            gettext_lazy("Balance below"),
            test=balance_below,
            form_class=BalanceConditionForm,
            order=11,
        )
    )
    plugins.automation_shortcodes.register(
        plugins.AutomationShortcode(
            "balance", gettext_lazy("Balance"), balance_shortcode, order=10
        )
    )
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            "withdrawal.requested",
            gettext_lazy("Withdrawal requested"),
            description=gettext_lazy(
                "A customer asked to be paid part of their balance."
            ),
            order=60,
        )
    )
