"""Forms of the customer area's profile pages (shape only: rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms.list import BillingForm
from customers.forms.list import ShippingAddressForm as StaffShippingAddressForm
from customers.models import Customer, NewsletterList

# The billing form is the staff one: the same fields and rules on both sides.
__all__ = [
    "BillingForm",
    "EmailChangeForm",
    "NewslettersForm",
    "ProfileForm",
    "ShippingAddressForm",
]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "first_name",
            "last_name",
            "phone",
            "mobile",
            "birth_date",
            "language",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return birth_date


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), max_length=254)
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )


class ShippingAddressForm(StaffShippingAddressForm):
    """The staff form, in the customer's words."""

    make_default = forms.BooleanField(
        label=_("Use as my default shipping address"), required=False
    )


class NewslettersForm(forms.Form):
    newsletter_subscribed = forms.BooleanField(
        label=_("Send me the newsletter"), required=False
    )
    newsletter_lists = forms.ModelMultipleChoiceField(
        label=_("Lists"),
        queryset=NewsletterList.objects.filter(archived=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose among the lists shown."),
            "invalid_pk_value": _("Choose among the lists shown."),
        },
    )
