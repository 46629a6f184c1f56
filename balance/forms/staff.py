"""Forms of the balance's staff pages."""

from __future__ import annotations

import re
import uuid
from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from balance.models import Entry
from balance.services.staff import GIFT_FIELDS
from core.forms import email_lines_clean
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


class BalanceSettingsForm(forms.ModelForm):
    """The module's options, exactly as the issue lists them.

    The texts customers read get one field per language ("credits_intro_it"), shown
    grouped by language (``language_groups``); ``clean`` gathers them back into the
    model's {"en": ..., "it": ...} values, leaving out the blank ones.
    """

    # Shown as a text area, except the button text (one line, 100 characters).
    LOCALIZED_WIDGETS = {
        "credits_intro": forms.Textarea(attrs={"rows": 3}),
        "message_below_minimum": forms.Textarea(attrs={"rows": 2}),
        "message_minimum_reached": forms.Textarea(attrs={"rows": 2}),
        "checkout_message": forms.Textarea(attrs={"rows": 2}),
    }
    BUTTON_TEXT_MAX_LENGTH = 100

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_meta = self.instance._meta
        for code, _language in settings.LANGUAGES:
            for name in self.instance.LOCALIZED_FIELDS:
                model_field = model_meta.get_field(name)
                self.fields[self.localized_field_name(name, code)] = forms.CharField(
                    label=capfirst(model_field.verbose_name),
                    help_text=model_field.help_text,
                    required=False,
                    max_length=(
                        self.BUTTON_TEXT_MAX_LENGTH
                        if name == "checkout_button_text"
                        else None
                    ),
                    # The field copies the widget: each field gets its own.
                    widget=self.LOCALIZED_WIDGETS.get(name, forms.TextInput()),
                    initial=self.instance.localized_texts(name).get(code, ""),
                )

    @staticmethod
    def localized_field_name(name: str, code: str) -> str:
        return f"{name}_{code.replace('-', '_')}"

    def general_fields(self) -> list:
        """The options that are the same in every language, in the model's order."""
        return [self[name] for name in cast(list[str], self._meta.fields)]

    def language_groups(self) -> list[dict]:
        """Per language, the site's first: its ``code``, ``name``, text ``fields``,
        and whether to show it ``open`` (the first, or one with a text or an error)."""
        groups = []
        for code, name in settings.LANGUAGES:
            fields = [
                self[self.localized_field_name(text_name, code)]
                for text_name in self.instance.LOCALIZED_FIELDS
            ]
            groups.append(
                {
                    "code": code,
                    "name": name,
                    "fields": fields,
                    "open": code == settings.LANGUAGE_CODE
                    or any(field.value() or field.errors for field in fields),
                }
            )
        return sorted(groups, key=lambda group: group["code"] != settings.LANGUAGE_CODE)

    def clean(self):
        data = super().clean()
        for name in self.instance.LOCALIZED_FIELDS:
            texts = {}
            for code, _language in settings.LANGUAGES:
                text = data.pop(self.localized_field_name(name, code), "") or ""
                if text.strip():
                    texts[code] = text
            data[name] = texts
        return data

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
