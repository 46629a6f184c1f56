from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import Scope
from api.services import EVENT_NAME_MAX, EVENT_NAME_PATTERN, event_name_message


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the key, e.g. “Shop CRM”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the key may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one thing the key may do.")},
    )


class EventTriggerForm(forms.Form):
    """The "API event" trigger's (and goal's) parameter: which event name."""

    event = forms.RegexField(
        label=_("Event name"),
        regex=EVENT_NAME_PATTERN,
        max_length=EVENT_NAME_MAX,
        help_text=_(
            "What the other system sends as “event” to POST /api/v1/events, e.g. "
            "order_shipped (the trigger is filed as api.order_shipped)."
        ),
        error_messages={"invalid": event_name_message},
    )
