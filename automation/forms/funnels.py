"""The funnels list's and the funnel page's forms: a new funnel, the JSON upload,
a funnel's settings, picking a customer, and where stranded runs go."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.models import Funnel
from core import plugins
from customers.models import Customer

UPLOAD_MAX_BYTES = 1_000_000


def trigger_choices() -> list[tuple[str, str]]:
    return [(t.key, str(t.label)) for t in plugins.automation_triggers]


class FunnelCreateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    trigger = forms.ChoiceField(label=gettext_lazy("Trigger"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = trigger_choices()


class FunnelUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Funnel JSON file"))
    activate = forms.BooleanField(
        label=gettext_lazy("Activate it at once"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("The file is larger than 1 MB."))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
        except json.JSONDecodeError as error:
            raise ValidationError(
                _("The file is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno}
            ) from None


class FunnelSettingsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    trigger = forms.ChoiceField(label=gettext_lazy("Trigger"))
    reentry = forms.ChoiceField(
        label=gettext_lazy("Re-entry"), choices=Funnel.Reentry.choices
    )
    reentry_days = forms.IntegerField(
        label=gettext_lazy("Again after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = trigger_choices()

    @classmethod
    def initial_from(cls, document: dict) -> dict:
        reentry = document.get("reentry", {"policy": "once"})
        return {
            "name": document.get("name", ""),
            "trigger": document.get("trigger", {}).get("key", ""),
            "reentry": reentry.get("policy"),
            "reentry_days": reentry.get("days"),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reentry") == Funnel.Reentry.AGAIN_AFTER and not cleaned.get(
            "reentry_days"
        ):
            self.add_error("reentry_days", _("Again after how many days?"))
        return cleaned


class CustomerPickForm(forms.Form):
    customer = forms.CharField(
        label=gettext_lazy("Customer (e-mail or number)"), max_length=254
    )

    def clean_customer(self) -> Customer:
        value = self.cleaned_data["customer"].strip()
        customers = Customer.objects.all()
        if value.isdigit() and len(value) < 19:
            found = customers.filter(pk=int(value)).first()
        else:
            found = customers.filter(email__iexact=value).first()
        if found is None:
            raise ValidationError(
                _("No customer has the e-mail or number “%(value)s”.")
                % {"value": value}
            )
        return found


class PublishMovesForm(forms.Form):
    """A select per step of the published version that the draft removes while
    runs wait in it: the step of the draft they go on from."""

    def __init__(self, *args, stranded: dict[str, int], steps: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(step["key"], step["key"]) for step in steps]
        for key, count in stranded.items():
            self.fields[f"move__{key}"] = forms.ChoiceField(
                label=_("Runs waiting in “%(key)s” (%(count)d) go to")
                % {
                    "key": key,
                    "count": count,
                },
                choices=choices,
            )

    def moves(self) -> dict[str, str]:
        return {
            name.removeprefix("move__"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("move__")
        }
