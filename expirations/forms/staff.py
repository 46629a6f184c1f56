"""Forms of the expirations' staff pages: they check the shape of the input; the
rules (dates in order, amounts, archived choices) are the services'."""

from __future__ import annotations

import re
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from expirations.models import BankInstitute, Expiration, Provenance
from selling.models import Product

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter a date such as 2026-12-31.")},
    )


class ChoiceField(forms.ModelChoiceField):
    """A provenance, bank or product from the list; an unknown id says so."""

    def __init__(self, *args, what, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = _(
            "This %(what)s is not in the list: choose one from the list."
        ) % {"what": what}


class ExpirationForm(forms.Form):
    """Add or edit an expiration: a catalog service or a free-text item."""

    product = ChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        what=_("product"),
        empty_label=_("— not from the catalog (type the item) —"),
    )
    item = forms.CharField(
        label=_("Item"),
        max_length=200,
        required=False,
        help_text=_("What expires, when it is not a product of the catalog."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        initial=1,
        error_messages={"invalid": _("Enter a whole number, e.g. 1.")},
    )
    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        required=False,
        help_text=_(
            "Leave blank to take the product's price times the quantity "
            "(0.00 for an item not from the catalog)."
        ),
    )
    start_date = _date_field(_("Start date"))
    expiry_date = _date_field(_("Expiry date"), required=False)
    provenance = ChoiceField(
        label=_("Provenance"),
        queryset=Provenance.objects.none(),
        what=_("provenance"),
    )
    bank_institute = ChoiceField(
        label=_("Bank institute"),
        queryset=BankInstitute.objects.none(),
        what=_("bank institute"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, expiration: Expiration | None = None, **kwargs):
        if expiration is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "product": expiration.product_id,
                "item": expiration.item,
                "quantity": expiration.quantity,
                "amount": expiration.amount,
                "start_date": expiration.start_date,
                "expiry_date": expiration.expiry_date,
                "provenance": expiration.provenance_id,
                "bank_institute": expiration.bank_institute_id,
                "notes": expiration.notes,
            }
        super().__init__(*args, **kwargs)
        if expiration is None:
            self.fields["expiry_date"].help_text = _(
                "Leave blank to count one renewal period of the product from the "
                "start date."
            )
        else:
            # Blank means "from the catalog" only for a new expiration.
            self.fields["amount"].required = True
            self.fields["amount"].help_text = ""
            self.fields["expiry_date"].required = True
        # Offered: services of the catalog, live choices, and what it already has.
        current = expiration or Expiration()
        choice_fields = cast(dict[str, forms.ModelChoiceField], self.fields)
        choice_fields["product"].queryset = Product.objects.filter(
            _renewable_or(current.product_id)
        )
        choice_fields["provenance"].queryset = Provenance.objects.filter(
            _live_or(current.provenance_id)
        )
        choice_fields["bank_institute"].queryset = BankInstitute.objects.filter(
            _live_or(current.bank_institute_id)
        )

    def clean_amount(self):
        """The amount; None when left blank (the service takes the price)."""
        text = self.cleaned_data["amount"]
        return parse_amount(text) if text.strip() else None

    def record_values(self) -> dict:
        """The cleaned data as the records services take them (ids, not rows)."""
        data = self.cleaned_data
        return {
            "product_id": data["product"].pk if data["product"] else None,
            "item": data["item"],
            "quantity": data["quantity"],
            "amount": data["amount"],
            "notes": data["notes"],
            "start_date": data["start_date"],
            "expiry_date": data["expiry_date"],
            "provenance_id": data["provenance"].pk if data["provenance"] else None,
            "bank_institute_id": (
                data["bank_institute"].pk if data["bank_institute"] else None
            ),
        }


def _renewable_or(pk) -> Q:
    """Products with a renewal period, and the one an expiration already has."""
    return Q(renewal_period__isnull=False) | (Q(pk=pk) if pk else Q(pk__in=[]))


def _live_or(pk) -> Q:
    """Choices not archived, and the one an expiration already has."""
    return Q(is_archived=False) | (Q(pk=pk) if pk else Q(pk__in=[]))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=400, required=False)


class ChoiceNameForm(forms.Form):
    """A provenance or bank institute: add one or rename it."""

    name = forms.CharField(label=_("Name"), max_length=120)


DAYS_SPLIT = re.compile(r"[,;\s]+")


class DaysListField(forms.CharField):
    """ "30, 7, 1" → [30, 7, 1]; what is not a whole number is named in the error."""

    def to_python(self, value):
        text = super().to_python(value)
        parts = [part for part in DAYS_SPLIT.split(text or "") if part]
        bad = [part for part in parts if not re.fullmatch(r"[+-]?\d{1,4}", part)]
        if bad:
            raise ValidationError(
                _(
                    "“%(values)s” is not a number of days: enter whole numbers "
                    "separated by commas, e.g. 30, 7, 1."
                )
                % {"values": ", ".join(bad)},
                code="invalid_days",
            )
        return [int(part) for part in parts]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(days) for days in value)
        return value


class ExpirationSettingsForm(forms.Form):
    reminder_days_before = DaysListField(
        label=_("Reminders before the expiry (days)"),
        required=False,
        help_text=_("Comma-separated, e.g. 30, 7, 1 (0 is the expiry day itself)."),
    )
    reminder_days_after = DaysListField(
        label=_("Reminders after the expiry (days)"),
        required=False,
        help_text=_("Comma-separated, e.g. 3. Leave empty for none."),
    )
    quick_renew_days = forms.IntegerField(
        label=_("Quick-renew window (days)"),
        help_text=_("The customer sees a Renew button this many days before expiry."),
        error_messages={"invalid": _("Enter a whole number of days, e.g. 30.")},
    )


STATE_CHOICES = [("", _("Any state")), *Expiration.State.choices]


class ReportFilterForm(forms.Form):
    """The report's filters; an empty form shows every expiration."""

    start_from = _date_field(_("Start from"), required=False)
    start_to = _date_field(_("Start to"), required=False)
    expiry_from = _date_field(_("Expiry from"), required=False)
    expiry_to = _date_field(_("Expiry to"), required=False)
    product = ChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(_renewable_or(None)),
        what=_("product"),
        empty_label=_("Any product"),
    )
    provenance = ChoiceField(
        label=_("Provenance"),
        queryset=Provenance.objects.all(),
        what=_("provenance"),
        empty_label=_("Any provenance"),
    )
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        for start, end, message in (
            (
                "start_from",
                "start_to",
                _("The start range ends before it begins: swap the dates."),
            ),
            (
                "expiry_from",
                "expiry_to",
                _("The expiry range ends before it begins: swap the dates."),
            ),
        ):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                self.add_error(end, message)
        return data
