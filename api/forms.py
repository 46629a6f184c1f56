from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import Scope


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
