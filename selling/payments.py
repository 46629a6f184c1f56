"""Payment methods behind one small interface.

The checkout knows only :class:`PaymentMethod`. A method is *started* inside the
transaction that places the order; later, whoever learns that the money arrived
(staff for a bank transfer, a gateway's webhook for a card) calls
``selling.services.order_confirm_payment``, which is idempotent. A card gateway is a
new subclass registered with :func:`payment_method_register` (e.g. in its app's
``ready()``); the checkout does not change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from selling.models import Order

ZERO = Decimal("0.00")


class PaymentMethod:
    key: str = ""
    label: str | StrPromise = ""
    # Shown at checkout under the method's name.
    description: str | StrPromise = ""

    def is_available(self, total_due: Decimal) -> bool:
        return total_due > ZERO

    def start(self, order: Order) -> None:
        """Called once the order exists, inside the placing transaction."""

    def instructions(self, order: Order) -> str:
        """What the customer must do to pay (page after checkout, e-mail)."""
        return ""


class BankTransfer(PaymentMethod):
    """The order waits until staff see the money and mark it paid."""

    key = "bank_transfer"
    label = _("Bank transfer")
    description = _("Pay by bank transfer; the order is confirmed when it arrives.")

    def instructions(self, order: Order) -> str:
        from selling.models import SellingSettings

        # In the active language: the customer's, on their pages and e-mails.
        text = SellingSettings.load().localized("bank_transfer_instructions")
        return text.replace("{order}", order.number)


class NothingToPay(PaymentMethod):
    """The balance discount covers the whole total: the order is paid at once."""

    key = "none"
    label = _("Nothing to pay")
    description = _("Your balance covers the whole order.")

    def is_available(self, total_due: Decimal) -> bool:
        return total_due == ZERO

    def start(self, order: Order) -> None:
        from selling.services.orders import order_confirm_payment

        order_confirm_payment(order_id=order.pk, reference="", user=None)


_methods: dict[str, PaymentMethod] = {}


def payment_method_register(method: PaymentMethod) -> PaymentMethod:
    _methods[method.key] = method
    return method


def payment_method_get(key: str) -> PaymentMethod | None:
    return _methods.get(key)


def payment_methods_all() -> list[PaymentMethod]:
    """Every registered method, e.g. for the staff order list's filter."""
    return list(_methods.values())


def payment_methods_available(total_due: Decimal) -> list[PaymentMethod]:
    return [method for method in _methods.values() if method.is_available(total_due)]


payment_method_register(BankTransfer())
payment_method_register(NothingToPay())
