"""Forms of the customer area's "My credits": shape checks only."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount


class PayoutDetailsForm(forms.Form):
    account_holder = forms.CharField(
        label=_("Account holder"), max_length=200, required=False
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bank_name = forms.CharField(
        label=_("Bank"),
        max_length=200,
        required=False,
        help_text=_("Leave blank to find it from the IBAN."),
    )
    paypal_email = forms.CharField(
        label=_("PayPal e-mail"), max_length=254, required=False
    )
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data.get("current_password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("The password is not correct."), code="wrong_password"
            )
        return password


class WithdrawalRequestForm(forms.Form):
    amount = forms.CharField(label=_("Amount"), max_length=32)
    # A new value per form shown: submitting the same form twice makes one request.
    nonce = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data.get("amount", ""))
        if amount <= 0:
            raise forms.ValidationError(
                _("Enter an amount greater than zero."), code="not_positive"
            )
        return amount
