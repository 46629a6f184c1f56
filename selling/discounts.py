"""The customer's balance as a checkout discount: the only module that calls balance.

Selling works without the balance module (it can be switched off): every function
here then reports "no discount". The discount is a hold on the balance while the
order waits, a checkout entry once it is paid, and a refund entry if a paid order is
refunded; each keyed by the order, so any step repeated changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.money import money_format

if TYPE_CHECKING:
    from customers.models import Customer
    from selling.models import Order

ZERO = Decimal("0.00")


def balance_installed() -> bool:
    return apps.is_installed("balance")


@dataclass(frozen=True)
class BalanceOffer:
    """What the checkout shows: the configured message and button."""

    available: Decimal
    largest_discount: Decimal
    message: str
    button_text: str
    button_colour: str
    button_style: str


def balance_payment_enabled() -> bool:
    """Whether the balance settings let customers pay with their balance."""
    if not balance_installed():
        return False
    from balance.models import BalanceSettings

    return BalanceSettings.load().checkout_enabled


def balance_available(customer: Customer) -> Decimal:
    """The customer's available balance, as stored (balance minus holds)."""
    if not balance_installed():
        return ZERO
    return customer.balance - customer.balance_held


def balance_offer(customer: Customer, subtotal: Decimal) -> BalanceOffer | None:
    """The offer to pay with balance, when the settings enable it and there is some."""
    if not balance_installed() or subtotal <= ZERO:
        return None
    from balance.models import BalanceSettings

    settings_row = BalanceSettings.load()
    available = balance_available(customer)
    if not settings_row.checkout_enabled or available <= ZERO:
        return None
    largest = min(available, subtotal)
    message = (
        settings_row.localized("checkout_message")
        .replace("{balance-value}", money_format(largest))
        .replace("{balance}", money_format(available))
    )
    return BalanceOffer(
        available=available,
        largest_discount=largest,
        message=message,
        button_text=settings_row.localized("checkout_button_text")
        or _("Use my balance"),
        button_colour=settings_row.checkout_button_colour,
        button_style=settings_row.checkout_button_style,
    )


def _texts_by_language(make) -> dict[str, str]:
    """``make()`` in English and in each language that translates it (the balance
    settings show the English text where a language has none)."""
    with translation.override("en"):
        english = make()
    texts = {"en": english}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = make()
        if text != english:
            texts[code] = text
    return texts


def balance_payment_demo_enable() -> bool:
    """For ``manage.py seed_demo``: lets customers pay with their balance, with an
    example message, unless the checkout offer was set up already (then nothing
    changes). Returns whether it changed the balance settings."""
    if not balance_installed():
        return False
    from balance.models import BalanceSettings
    from balance.services.staff import balance_settings_save

    settings_row = BalanceSettings.load()
    configured = any(
        text.strip()
        for text in settings_row.localized_texts("checkout_message").values()
    )
    if settings_row.checkout_enabled or configured:
        return False
    balance_settings_save(
        checkout_enabled=True,
        checkout_message=_texts_by_language(
            lambda: _(
                "You have {balance} of credit: use {balance-value} of it on this order."
            )
        ),
        checkout_button_text=_texts_by_language(lambda: _("Use my balance")),
    )
    return True


def discount_hold(order: Order) -> int:
    """Sets the order's discount aside on the balance; returns the hold's id.

    Runs in the placing transaction; refused (a ValidationError) when the available
    balance no longer covers it, e.g. another checkout took it a moment ago.
    """
    from balance.models import Hold, SourceType
    from balance.services import SourceRef, hold_place

    hold = hold_place.in_transaction(
        customer_id=order.customer_id,
        amount=order.balance_discount,
        kind=Hold.Kind.CHECKOUT,
        idempotency_key=f"order:{order.pk}",
        source=SourceRef(SourceType.ORDER, order.pk),
    )
    return hold.pk


def discount_post(order: Order, user=None) -> None:
    """Spends the held discount; refused if the balance no longer covers it."""
    from balance.services import Author, hold_post

    author = Author.staff(user) if user is not None else Author.system("checkout")
    hold_post.in_transaction(
        hold_id=cast(int, order.balance_hold_id),
        author=author,
        note=_("Order %(number)s") % {"number": order.number},
        require_funds=True,
    )


def discount_release(order: Order) -> None:
    from balance.services import hold_release

    hold_release.in_transaction(hold_id=cast(int, order.balance_hold_id))


def discount_refund(order: Order, user=None) -> None:
    """Gives the balance part of a refunded order back, once."""
    from balance.models import Entry, SourceType
    from balance.services import Author, SourceRef, balance_credit

    author = Author.staff(user) if user is not None else Author.system("checkout")
    balance_credit.in_transaction(
        customer_id=order.customer_id,
        amount=order.balance_discount,
        author=author,
        idempotency_key=f"order:{order.pk}:refund",
        note=_("Refund of order %(number)s") % {"number": order.number},
        kind=Entry.Kind.REFUND,
        source=SourceRef(SourceType.ORDER, order.pk),
    )
