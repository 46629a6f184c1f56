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
from core.services import (
    EmailRequest,
    email_queue,
    email_queue_many,
    supported_language,
)
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


def _credit_received_request(entry: Entry, customer: Customer) -> EmailRequest:
    language = supported_language(customer.language)
    with translation.override(language):
        context = {
            "name": customer.first_name,
            "amount": money_format(entry.amount),
            "balance": money_format(entry.balance_after),
            "note": entry.note,
        }
    return EmailRequest(
        event_key=f"balance.credit_received:{entry.pk}",
        to=customer.email,
        template=CREDIT_RECEIVED_TEMPLATE,
        context=context,
        language=language,
    )


def credit_received_notify(entry: Entry, customer: Customer) -> None:
    """ "You received a credit": once per entry, whoever posted it."""
    if customer.email:
        email_queue_many([_credit_received_request(entry, customer)])


def credits_received_notify(entries: Iterable[Entry]) -> None:
    """:func:`credit_received_notify` for many entries (a gift batch): the customers
    are read in one query and the e-mails queued in one insert
    (``core.services.email_queue_many``)."""
    entries = list(entries)
    customers = Customer.objects.only("email", "first_name", "language").in_bulk(
        {entry.customer_id for entry in entries}
    )
    email_queue_many(
        _credit_received_request(entry, customer)
        for entry in entries
        if (customer := customers.get(entry.customer_id)) is not None and customer.email
    )
