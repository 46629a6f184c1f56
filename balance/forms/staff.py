"""Forms of the balance's staff pages."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from balance.models import Entry
from balance.services.staff import GIFT_FIELDS
from core.forms import (
    TranslatedTextField,
    TranslatedTextsFormMixin,
    email_lines_clean,
)
from core.money import parse_amount


class OperationForm(forms.Form):
    """Add a credit or a debit; ``nonce`` makes a double submit post once."""

    CREDIT = "credit"
    DEBIT = "debit"

    direction = forms.ChoiceField(
        label=_("Operation"),
        choices=[(CREDIT, _("Credit")), (DEBIT, _("Debit"))],
        initial=CREDIT,
    )
    amount = forms.CharField(label=_("Amount"), max_length=32)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("nonce", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount <= 0:
            raise ValidationError(
                _("Enter an amount greater than zero."), code="not_positive"
            )
        return amount


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class HistoryFilterForm(forms.Form):
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All"))] + list(Entry.Kind.choices),
    )

    def apply(self, entries):
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["date_from"]:
            entries = entries.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(created_at__date__lte=data["date_to"])
        if data["kind"]:
            entries = entries.filter(kind=data["kind"])
        return entries


class ApproveForm(forms.Form):
    # Asked for a request made soon after a change of the payout details.
    payout_change_checked = forms.BooleanField(
        label=_("I checked this change with the customer"), required=False
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason shown to the customer"), max_length=1000)


class PayForm(forms.Form):
    payout_reference = forms.CharField(label=_("Payout reference"), max_length=200)


class BalanceSettingsForm(TranslatedTextsFormMixin, forms.ModelForm):
    """The module's options, in the two sections of the page (``sections``).

    The texts customers read are one per language (``TranslatedTextField``): one
    field per language ("credits_intro_it"), gathered back by ``clean`` into the
    model's {"en": ..., "it": ...} values, leaving out the blank ones.
    """

    BUTTON_TEXT_MAX_LENGTH = 100
    # What one text may hold in any language: a few paragraphs.
    TEXT_MAX_LENGTH = 2000

    credits_intro = TranslatedTextField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX_LENGTH
    )
    message_below_minimum = TranslatedTextField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX_LENGTH
    )
    message_minimum_reached = TranslatedTextField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX_LENGTH
    )
    checkout_message = TranslatedTextField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX_LENGTH
    )
    # One line.
    checkout_button_text = TranslatedTextField(max_length=BUTTON_TEXT_MAX_LENGTH)

    # The page's sections: (anchor, title, intro, options, texts).
    SECTIONS = (
        (
            "customer-area",
            _("Customer area"),
            _(
                "What customers see in “My credits” and when they ask for a "
                "withdrawal. Staff addresses receive the withdrawal requests; left "
                "empty, the Manager group does (or ADMINS when it has no one)."
            ),
            (
                "credits_section_enabled",
                "withdrawals_enabled",
                "withdrawal_minimum",
                "payout_change_review_hours",
                "staff_notification_emails",
            ),
            ("credits_intro", "message_below_minimum", "message_minimum_reached"),
        ),
        (
            "checkout-discount",
            _("Checkout discount"),
            _(
                "Paying part of an order with the balance at checkout: the offer "
                "customers read and its button. In the message {balance} and "
                "{balance-value} are replaced."
            ),
            ("checkout_enabled", "checkout_button_colour", "checkout_button_style"),
            ("checkout_message", "checkout_button_text"),
        ),
    )

    class Meta:
        from balance.models import BalanceSettings

        model = BalanceSettings
        fields = [
            "credits_section_enabled",
            "withdrawals_enabled",
            "withdrawal_minimum",
            "payout_change_review_hours",
            "checkout_enabled",
            "checkout_button_colour",
            "checkout_button_style",
            "staff_notification_emails",
        ]
        widgets = {
            "checkout_button_colour": forms.TextInput(attrs={"type": "color"}),
            "staff_notification_emails": forms.Textarea(attrs={"rows": 3}),
        }

    def sections(self) -> list[dict]:
        """Each section's ``id`` (its anchor), ``title``, ``intro``, option
        ``fields`` and ``language_groups`` of its texts."""
        return [
            {
                "id": anchor,
                "title": title,
                "intro": intro,
                "fields": [self[name] for name in options],
                "language_groups": self.language_groups(list(texts)),
            }
            for anchor, title, intro, options, texts in self.SECTIONS
        ]

    def clean_checkout_button_colour(self):
        colour = (self.cleaned_data["checkout_button_colour"] or "").strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            raise ValidationError(
                _("Enter a colour as #rrggbb, e.g. #2346c8."), code="invalid_colour"
            )
        return colour

    def clean_staff_notification_emails(self):
        return email_lines_clean(self.cleaned_data["staff_notification_emails"])


class GiftForm(forms.ModelForm):
    """A periodic gift: what a schedule and an audience need, and nothing else."""

    amount = forms.CharField(label=_("Amount"), max_length=32)

    class Meta:
        from balance.models import Gift

        model = Gift
        fields = list(GIFT_FIELDS)
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["amount"] = str(self.instance.amount)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount <= 0:
            raise ValidationError(
                _("Enter an amount greater than zero."), code="not_positive"
            )
        return amount

    def clean(self):
        from balance.models import Gift

        data = super().clean()
        schedule = data.get("schedule")
        needed = {
            Gift.Schedule.MONTHLY: ("day_of_month",),
            Gift.Schedule.WEEKLY: ("weekday",),
            Gift.Schedule.YEARLY: ("month", "day_of_month"),
            Gift.Schedule.BIRTHDAY: (),
        }.get(schedule, ())
        for name in ("day_of_month", "weekday", "month"):
            if name in needed:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This schedule needs this field."))
            else:
                data[name] = None
        audience = data.get("audience")
        if audience == Gift.Audience.TAG and not data.get("tag"):
            self.add_error("tag", _("Pick the tag."))
        if audience == Gift.Audience.NEWSLETTER_LIST and not data.get(
            "newsletter_list"
        ):
            self.add_error("newsletter_list", _("Pick the newsletter list."))
        if audience != Gift.Audience.TAG:
            data["tag"] = None
        if audience != Gift.Audience.NEWSLETTER_LIST:
            data["newsletter_list"] = None
        low, high = data.get("balance_min"), data.get("balance_max")
        if audience == Gift.Audience.BALANCE_RANGE:
            if low is None and high is None:
                self.add_error("balance_min", _("Enter at least one bound."))
            elif low is not None and high is not None and low > high:
                self.add_error(
                    "balance_max",
                    _("The maximum must be at least the minimum."),
                )
        else:
            data["balance_min"] = data["balance_max"] = None
        return data
