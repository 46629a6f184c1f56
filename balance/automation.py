"""The ledger's automation action: "balance.assign_credits"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from balance.models import Entry, SourceType
from balance.services import Author, SourceRef, balance_credit
from core.money import parse_amount


class AssignCreditsForm(forms.Form):
    """The parameters of the "assign credits" automation action."""

    amount = forms.CharField(label=_("Amount"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount <= 0:
            raise ValidationError(_("The amount must be greater than zero."))
        return str(amount)


def assign_credits(customer, params: dict[str, Any], idempotency_key: str) -> Entry:
    """The automation action "balance.assign_credits": credits the customer once.

    ``params``: ``amount`` (text, e.g. "5.00"), optional ``note`` and
    ``funnel_step_id``. Runs in the caller's transaction if there is one, so the
    funnel engine may commit the credit with its own record of the step.
    """
    step_id = params.get("funnel_step_id")
    return balance_credit.in_transaction(
        customer_id=customer.pk,
        amount=parse_amount(str(params["amount"])),
        kind=Entry.Kind.AUTOMATION,
        author=Author.system("Automation"),
        idempotency_key=idempotency_key,
        note=params.get("note", ""),
        source=SourceRef(SourceType.FUNNEL_STEP, step_id) if step_id else None,
    )
