"""The e-mails the ledger sends to customers: each once per event, in their language.

``email_queue`` (core) renders the templates later, in the recipient's language; the
amounts are formatted here, when the e-mail is queued, so they are formatted in that
language too ("1.234,50 EUR" for an Italian customer, "1,234.50 EUR" in English).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils import translation

from balance.models import Entry
from core.money import money_format
from core.services import email_queue, supported_language
from customers.models import Customer

CREDIT_RECEIVED_TEMPLATE = "balance_credit_received"


def customer_notify(
    customer: Customer, *, event_key: str, template: str, context: dict
) -> None:
    """Queues one e-mail to the customer (none without an address).

    ``Decimal`` values of ``context`` are formatted as money in the customer's
    language; ``event_key`` makes asking twice send once.
    """
    if not customer.email:
        return
    language = supported_language(customer.language)
    with translation.override(language):
        context = {
            name: money_format(value) if isinstance(value, Decimal) else value
            for name, value in context.items()
        }
    email_queue(
        event_key=event_key,
        to=customer.email,
        template=template,
        context={"name": customer.first_name, **context},
        language=language,
    )


def credit_received_notify(entry: Entry, customer: Customer) -> None:
    """ "You received a credit": once per entry, whoever posted it."""
    customer_notify(
        customer,
        event_key=f"balance.credit_received:{entry.pk}",
        template=CREDIT_RECEIVED_TEMPLATE,
        context={
            "amount": entry.amount,
            "balance": entry.balance_after,
            "note": entry.note,
        },
    )


def credits_received_notify(entries: Iterable[Entry]) -> None:
    """:func:`credit_received_notify` for many entries (a gift batch): the customers
    are read in one query."""
    entries = list(entries)
    customers = Customer.objects.only("email", "first_name", "language").in_bulk(
        {entry.customer_id for entry in entries}
    )
    for entry in entries:
        customer = customers.get(entry.customer_id)
        if customer is not None:
            credit_received_notify(entry, customer)
