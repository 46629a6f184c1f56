"""Forms of the referral pages: they check the shape of the input; the rules
(bounds, who may refer) are the services'."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from customers.models import Customer, Tag
from referrals.models import (
    COOKIE_DAYS_MAX,
    MONTHS_MAX,
    WINDOW_DAYS_MAX,
    CommissionType,
    ReferralSettings,
)
from selling.models import Product

WHOLE = {"invalid": _("Enter a whole number.")}


class AmountField(forms.Field):
    """An amount typed as 12.50 or 12,50; a Decimal once clean."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 32})

    def to_python(self, value) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 32:
            raise ValidationError(_("Enter an amount such as 12.50."))
        return parse_amount(text)


class ReferralSettingsForm(forms.Form):
    referrers = forms.ChoiceField(
        label=_("Who may refer"),
        choices=ReferralSettings.Referrers.choices,
        widget=forms.RadioSelect,
    )
    referrer_tag = forms.ModelChoiceField(
        label=_("Referrers' tag"),
        queryset=Tag.objects.all(),
        required=False,
        help_text=_("With “Customers with a tag”: only customers with this tag."),
    )
    cookie_days = forms.IntegerField(
        label=_("Link remembered for (days)"),
        min_value=1,
        max_value=COOKIE_DAYS_MAX,
        error_messages=WHOLE,
        help_text=_("How long a visit through a link counts for a sign-up."),
    )
    commission_type = forms.ChoiceField(
        label=_("Commission"),
        choices=CommissionType.choices,
        widget=forms.RadioSelect,
    )
    commission_percent = AmountField(
        label=_("Percentage"), help_text=_("Between 0 and 100.")
    )
    commission_fixed = AmountField(
        label=_("Fixed amount"), help_text=_("Per order; 0 or more.")
    )
    exclude_balance = forms.BooleanField(
        label=_("Leave out the part paid with the balance"), required=False
    )
    scope = forms.ChoiceField(
        label=_("Commission on"),
        choices=ReferralSettings.Scope.choices,
        widget=forms.RadioSelect,
    )
    scope_months = forms.IntegerField(
        label=_("Months"),
        min_value=1,
        max_value=MONTHS_MAX,
        error_messages=WHOLE,
        help_text=_(
            "With “Every order in the first months”: counted from the referral."
        ),
    )
    refund_window_days = forms.IntegerField(
        label=_("Refund window (days)"),
        min_value=0,
        max_value=WINDOW_DAYS_MAX,
        error_messages=WHOLE,
        help_text=_("A commission is credited this many days after the payment."),
    )

    def clean_commission_percent(self):
        value = self.cleaned_data["commission_percent"]
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise ValidationError(_("A percentage is between 0 and 100."))
        return value

    def clean_commission_fixed(self):
        value = self.cleaned_data["commission_fixed"]
        if value is not None and value < 0:
            raise ValidationError(_("A commission cannot be negative."))
        return value


class ProductCommissionForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all())
    commission_type = forms.ChoiceField(
        label=_("Commission"), choices=CommissionType.choices
    )
    value = AmountField(
        label=_("Percentage or amount"),
        help_text=_("A percentage (0-100) or a fixed amount per unit sold."),
    )


class ReferrerForm(forms.Form):
    """Who referred the customer: a customer's e-mail address, or empty."""

    referrer = forms.EmailField(
        label=_("Referred by (e-mail)"),
        required=False,
        help_text=_("Leave empty to remove the referrer."),
    )

    def clean_referrer(self) -> int | None:
        email = self.cleaned_data["referrer"]
        if not email:
            return None
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer is None:
            raise ValidationError(_("No customer has this e-mail address."))
        return customer.pk
