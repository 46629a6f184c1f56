"""Forms of the Action history tab (staff) and of support and push devices."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import ActionAttachment, CustomerAction, PushDevice
from customers.services.history import attachments_check
from customers.timeline import timeline_type_choices


class TimelineFilterForm(forms.Form):
    """Date range (days in the business's time zone) and type of the timeline."""

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
    type = forms.ChoiceField(label=_("Type"), required=False)
    until = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = timeline_type_choices(user)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The moments between which to show events (since inclusive, until not)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        date_from = self.cleaned_data.get("date_from")
        date_to = self.cleaned_data.get("date_to")
        since = datetime.combine(date_from, time.min, zone) if date_from else None
        until = (
            datetime.combine(date_to + timedelta(days=1), time.min, zone)
            if date_to
            else None
        )
        older = self.cleaned_data.get("until")
        if older is not None and (until is None or older < until):
            until = older
        return since, until


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (``<input type="file" multiple>``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            data = []
        elif not isinstance(data, list | tuple):
            data = [data]
        files = [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [item for item in files if item]


class CustomerActionForm(forms.ModelForm):
    """A custom action: title, type, rich-text note, due date, done, attachments."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "data-rich-text": "",
                "data-label-bold": _("Bold"),
                "data-label-italic": _("Italic"),
                "data-label-underline": _("Underline"),
                "data-label-list": _("List"),
                "data-label-link": _("Link"),
                "data-label-link-prompt": _("Address of the link (https://…)"),
            }
        ),
        help_text=_("Bold, italic, underline, lists and links are kept."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to 10 files of at most 10 MB each: PDF, PNG, JPEG, WebP, text, CSV "
            "or office documents."
        ),
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove attachments"),
        queryset=ActionAttachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CustomerAction
        fields = ["title", "kind", "note", "due_date", "done"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["remove_attachments"].queryset = self.instance.attachments.all()
            if not self.instance.attachments.exists():
                del self.fields["remove_attachments"]
        else:
            del self.fields["remove_attachments"]

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        attachments_check(files)
        return files


class SupportRequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class PushDeviceForm(forms.Form):
    """The JSON body of a push-device registration."""

    token = forms.CharField(
        max_length=512,
        error_messages={
            "required": _("The token is missing."),
            "max_length": _("The token is too long (at most 512 characters)."),
        },
    )
    platform = forms.ChoiceField(
        choices=PushDevice.Platform.choices,
        error_messages={
            "required": _("The platform is missing (ios, android or web)."),
            "invalid_choice": _("The platform must be ios, android or web."),
        },
    )
    name = forms.CharField(
        max_length=100,
        required=False,
        error_messages={
            "max_length": _("The name is too long (at most 100 characters).")
        },
    )

    def clean(self):
        cleaned = super().clean()
        for key, value in self.data.items():
            if key in self.fields and value is not None and not isinstance(value, str):
                self.add_error(key, _("Send it as a string."))
        return cleaned
