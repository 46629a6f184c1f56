from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.catalog import event_choices


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where the events are sent, e.g. https://crm.example.com/hooks."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        help_text=_("Which system receives them, e.g. “Shop CRM”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one event.")},
    )
