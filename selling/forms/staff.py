"""Forms of the selling app's backoffice pages: the catalog, order actions, settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import TranslatedTextField, TranslatedTextsFormMixin, email_lines_clean
from core.money import parse_amount
from selling.models import (
    INSTRUCTIONS_MAX_LENGTH,
    PRODUCT_DESCRIPTION_MAX_LENGTH,
    PRODUCT_NAME_MAX_LENGTH,
    Product,
    SellingSettings,
)


class ProductForm(TranslatedTextsFormMixin, forms.ModelForm):
    """A product; the price is typed as a person writes it ("12,50" or "12.50").

    The name and the description are one per language (the default language's
    name is required); ``clean`` gives the service the model's shape: ``name`` and
    ``description`` in the default language, ``*_translations`` for the others.
    """

    name = TranslatedTextField(
        label=_("Name"), max_length=PRODUCT_NAME_MAX_LENGTH, required=True
    )
    description = TranslatedTextField(
        label=_("Description"),
        max_length=PRODUCT_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    price = forms.CharField(label=_("Price"), max_length=32)

    class Meta:
        model = Product
        fields = [
            "name",
            "description",
            "price",
            "renewal_period",
            "renewal_unit",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].widget.attrs["inputmode"] = "decimal"
        self.fields["renewal_period"].min_value = 1
        self.fields["renewal_period"].widget.attrs["min"] = 1
        self.fields["renewal_period"].validators.append(_period_at_least_one)
        self.fields["renewal_unit"].choices = [
            ("", _("No renewal (not a service)")),
            *Product.PeriodUnit.choices,
        ]
        if self.instance.pk and not self.is_bound:
            self.initial["price"] = str(self.instance.price)

    def clean_price(self):
        price = parse_amount(self.cleaned_data["price"])
        if price < 0:
            raise ValidationError(
                _("The price cannot be negative."), code="negative_price"
            )
        return price

    def clean(self):
        data = super().clean()
        for name in ("name", "description"):
            texts = dict(data.get(name) or {})
            data[name] = texts.pop(settings.LANGUAGE_CODE, "")
            data[f"{name}_translations"] = texts
        period, unit = data.get("renewal_period"), data.get("renewal_unit")
        if "renewal_period" in self.errors:
            return data
        if period is not None and not unit:
            self.add_error(
                "renewal_unit",
                _("Choose the unit of the period: days, weeks, months or years."),
            )
        elif unit and period is None:
            self.add_error(
                "renewal_period",
                _("Enter how many %(unit)s the renewal period lasts.")
                % {"unit": Product.PeriodUnit(unit).label},
            )
        return data

    def _post_clean(self):
        # The service saves the product; the model's checks run there.
        pass


def _period_at_least_one(value):
    if value is not None and value < 1:
        raise ValidationError(
            _("The renewal period must be at least 1."), code="period_too_short"
        )


class OrderActionForm(forms.Form):
    """The confirmation form of an order action; its ids are unique on the page."""

    action = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.action}_%s")
        super().__init__(*args, **kwargs)


class MarkPaidForm(OrderActionForm):
    action = "mark_paid"
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=200,
        help_text=_("What identifies the payment, e.g. the bank transfer's CRO/TRN."),
    )


class CancelForm(OrderActionForm):
    action = "cancel"
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RefundForm(OrderActionForm):
    action = "refund"
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SellingSettingsForm(TranslatedTextsFormMixin, forms.ModelForm):
    bank_transfer_instructions = TranslatedTextField(
        max_length=INSTRUCTIONS_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )

    class Meta:
        model = SellingSettings
        # Not "bank_transfer_instructions": a ModelForm would look for a field of
        # that name; the service stores the texts the form gathers.
        fields = ["staff_notification_emails"]
        widgets = {"staff_notification_emails": forms.Textarea(attrs={"rows": 3})}

    def clean_staff_notification_emails(self):
        return email_lines_clean(self.cleaned_data["staff_notification_emails"])
