"""The customer's cart: add, change quantities, remove, choose the balance discount.

Every function takes the customer and finds the line inside that customer's cart
only, so a line id of another customer's cart is "not found", never changed.

The customer area passes its ``actor`` (``core.impersonation.acting_user``): a
change that staff logged in as the customer make is recorded on the timeline with
the staff member's name; the customer's own changes are just the cart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.input import id_parse
from core.money import amount_check, money_format, parse_amount
from customers.models import Customer
from customers.services.events import customer_area_write_record
from selling.discounts import BalanceOffer, balance_available, balance_offer
from selling.models import Cart, CartLine, Product

ZERO = Decimal("0.00")
MAX_QUANTITY = 999


@dataclass(frozen=True)
class CartSummary:
    """A cart as the checkout shows it; the discount never exceeds the subtotal."""

    cart: Cart
    lines: list[CartLine]
    subtotal: Decimal
    balance_discount: Decimal
    total_due: Decimal
    offer: BalanceOffer | None

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def inactive_lines(self) -> list[CartLine]:
        return [line for line in self.lines if not line.product.is_active]


def cart_for(customer: Customer) -> Cart:
    cart, _created = Cart.objects.get_or_create(customer=customer)
    return cart


def _quantity_checked(quantity) -> int:
    try:
        text = str(quantity).strip()
        if not text.isascii():
            raise ValueError(text)
        quantity = int(text)
    except (TypeError, ValueError):
        raise ValidationError(
            _("The quantity must be a whole number."), code="quantity"
        ) from None
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationError(
            _("The quantity must be between 1 and %(max)s.") % {"max": MAX_QUANTITY},
            code="quantity",
        )
    return quantity


def _line_of(customer: Customer, line_id) -> CartLine:
    pk = id_parse(line_id)
    line = (
        CartLine.objects.select_related("product")
        .filter(cart__customer=customer, pk=pk)
        .first()
        if pk is not None
        else None
    )
    if line is None:
        raise ValidationError(_("This line is not in your cart."), code="no_line")
    return line


def _discount_clamp(cart: Cart) -> None:
    """Keeps the chosen discount within the subtotal after the cart changed."""
    subtotal = sum(
        (
            line.product.price * line.quantity
            for line in cart.lines.select_related("product")
        ),
        ZERO,
    )
    if cart.balance_discount > subtotal:
        cart.balance_discount = subtotal
        cart.save(update_fields=["balance_discount", "updated_at"])


@transaction.atomic
def cart_add(
    *,
    customer: Customer,
    product_id,
    quantity=1,
    renews: tuple[str, str | int] | None = None,
    actor=None,
) -> CartLine:
    """Adds a product (or more of it); ``renews`` = ("expiration", 42) for a renewal.

    A renewal is added once: adding it again leaves the line as it is.
    """
    quantity = _quantity_checked(quantity)
    product_pk = id_parse(product_id)  # "६" or "²" is not product 6 or 2
    product = (
        Product.objects.filter(pk=product_pk).first()
        if product_pk is not None
        else None
    )
    if product is None:
        raise ValidationError(_("This product does not exist."), code="no_product")
    if not product.is_active:
        raise ValidationError(
            _("“%(name)s” is no longer on sale.") % {"name": product.localized_name},
            code="inactive",
        )
    renews_type, renews_id = (renews[0], str(renews[1])) if renews else ("", "")
    cart = Cart.objects.select_for_update().get(pk=cart_for(customer).pk)
    line, created = CartLine.objects.get_or_create(
        cart=cart,
        product=product,
        renews_type=renews_type,
        renews_id=renews_id,
        defaults={"quantity": quantity},
    )
    if not created and not renews_type:
        new_quantity = _quantity_checked(line.quantity + quantity)
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    if created or not renews_type:  # a renewal added again changes nothing
        customer_area_write_record(
            customer=customer,
            actor=actor,
            detail=_("“%(product)s” × %(quantity)s added to the cart")
            % {"product": product.name, "quantity": quantity},
            data={"cart_line": line.pk, "product": product.pk, "quantity": quantity},
        )
    return line


@transaction.atomic
def cart_line_set_quantity(
    *, customer: Customer, line_id, quantity, actor=None
) -> CartLine:
    quantity = _quantity_checked(quantity)
    line = _line_of(customer, line_id)
    if line.renews_type and quantity != 1:
        raise ValidationError(
            _("A renewal is bought one at a time."), code="renewal_quantity"
        )
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _discount_clamp(line.cart)
    customer_area_write_record(
        customer=customer,
        actor=actor,
        detail=_("Quantity of “%(product)s” in the cart set to %(quantity)s")
        % {"product": line.product.name, "quantity": quantity},
        data={"cart_line": line.pk, "quantity": quantity},
    )
    return line


@transaction.atomic
def cart_line_remove(*, customer: Customer, line_id, actor=None) -> None:
    line = _line_of(customer, line_id)
    cart = line.cart
    customer_area_write_record(
        customer=customer,
        actor=actor,
        detail=_("“%(product)s” removed from the cart")
        % {"product": line.product.name},
        data={"cart_line": line.pk},
    )
    line.delete()
    _discount_clamp(cart)


def _amount_checked(value) -> Decimal:
    """A discount: text typed by the customer or a Decimal; never negative."""
    amount = (
        amount_check(value) if isinstance(value, Decimal) else parse_amount(str(value))
    )
    if amount < ZERO:
        raise ValidationError(
            _("The discount cannot be negative."), code="negative_discount"
        )
    return amount


@transaction.atomic
def cart_discount_set(*, customer: Customer, amount, actor=None) -> Decimal:
    """Chooses how much of the balance pays for the cart (0 removes the discount).

    Refused when above the available balance or the cart's total (the message
    names the smaller of the two: the most that can be used), or when paying with
    balance is not enabled.
    """
    amount = _amount_checked(amount)
    cart = Cart.objects.select_for_update().get(pk=cart_for(customer).pk)
    summary = cart_summary(customer, cart=cart)
    if amount > ZERO:
        if summary.offer is None:
            raise ValidationError(
                _("Paying with your balance is not available."), code="no_offer"
            )
        # Above both bounds, name the smaller one: the most that can be used.
        if amount > summary.offer.largest_discount:
            if summary.offer.available < summary.subtotal:
                raise ValidationError(
                    _(
                        "The discount cannot be more than your available balance "
                        "(%(available)s)."
                    )
                    % {"available": money_format(summary.offer.available)},
                    code="above_balance",
                )
            raise ValidationError(
                _("The discount cannot be more than the total (%(total)s).")
                % {"total": money_format(summary.subtotal)},
                code="above_total",
            )
    cart.balance_discount = amount
    cart.save(update_fields=["balance_discount", "updated_at"])
    customer_area_write_record(
        customer=customer,
        actor=actor,
        detail=(
            _("Balance discount chosen: %(amount)s") % {"amount": money_format(amount)}
            if amount
            else _("Balance discount removed")
        ),
        data={"balance_discount": str(amount)},
    )
    return amount


def cart_summary(customer: Customer, *, cart: Cart | None = None) -> CartSummary:
    """The cart's lines and totals, with the balance offer if there is one.

    The shown discount is capped at what is available now (the balance may have
    changed since it was chosen); placing the order checks it again under lock.
    """
    cart = cart or cart_for(customer)
    lines = list(cart.lines.select_related("product"))
    subtotal = sum((line.product.price * line.quantity for line in lines), ZERO)
    offer = balance_offer(customer, subtotal)
    discount = min(cart.balance_discount, subtotal)
    if offer is None:
        discount = ZERO
    else:
        discount = min(discount, max(balance_available(customer), ZERO))
    return CartSummary(
        cart=cart,
        lines=lines,
        subtotal=subtotal,
        balance_discount=discount,
        total_due=subtotal - discount,
        offer=offer,
    )
