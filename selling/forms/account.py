"""Forms of the customer area's shop, cart and checkout: shape checks only.

The rules (what is on sale, how much balance may be used, which payment method
fits the total) are the services' business; these forms only make sure the input
is a number, an amount or one of the offered choices.
"""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from selling.payments import payment_method_get
from selling.services.cart import MAX_QUANTITY

QUANTITY_ERRORS = {
    "required": _("Enter a quantity."),
    "invalid": _("The quantity must be a whole number."),
    "min_value": _("The quantity must be at least 1."),
    "max_value": _("The quantity must be at most %(limit_value)s."),
}


def quantity_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages=QUANTITY_ERRORS,
        widget=forms.NumberInput(attrs={"class": "input-quantity", "size": 4}),
    )


class CartAddForm(forms.Form):
    # The service says "does not exist" for an unknown or malformed id.
    product = forms.CharField(widget=forms.HiddenInput, max_length=20)
    quantity = quantity_field()


class CartLineQuantityForm(forms.Form):
    quantity = quantity_field()


class CheckoutDiscountForm(forms.Form):
    """How much of the balance pays for the cart; 0 (or "remove") takes it away."""

    amount = forms.CharField(
        label=_("Pay with my balance"),
        max_length=32,
        help_text=_(
            "The most you can use is filled in: type less to keep some of your "
            "balance, or 0 to use none."
        ),
    )

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data.get("amount", ""))
        if amount < 0:
            raise forms.ValidationError(
                _("The discount cannot be negative."), code="negative_discount"
            )
        return amount


class CheckoutPlaceForm(forms.Form):
    """The payment method and a one-time nonce.

    Only the shape is checked here (a method that exists): whether it fits the
    total is for ``order_place`` to say, after it has recognised a second submit
    of the same form (whose cart is empty by then).
    """

    payment_method = forms.CharField(
        label=_("Payment method"),
        max_length=40,
        error_messages={"required": _("Choose a payment method.")},
    )
    # A new value per page shown: a double click places one order.
    nonce = forms.UUIDField(
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={
            "required": _("The form has expired: please try again."),
            "invalid": _("The form has expired: please try again."),
        },
    )

    def clean_payment_method(self):
        key = self.cleaned_data["payment_method"]
        if payment_method_get(key) is None:
            raise forms.ValidationError(
                _("Choose a payment method."), code="unknown_method"
            )
        return key
