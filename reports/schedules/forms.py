"""The form of a saved report's schedule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ReportSchedule
from reports.schedules.services import MAX_RECIPIENTS, staff_recipients


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class ScheduleForm(forms.Form):
    """How often, when (local time), in which format and to whom."""

    frequency = forms.ChoiceField(
        label=_("Send"), choices=ReportSchedule.Frequency.choices
    )
    weekday = forms.TypedChoiceField(
        label=_("On"),
        choices=ReportSchedule.Weekday.choices,
        coerce=int,
        initial=ReportSchedule.Weekday.MONDAY,
        help_text=_("For a weekly schedule."),
    )
    time_of_day = forms.TimeField(
        label=_("At"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text=_("Local time, from 00:00 to 23:59."),
    )
    format = forms.ChoiceField(
        label=_("Attached as"), choices=ReportSchedule.Format.choices
    )
    recipients = StaffChoiceField(
        label=_("Recipients"),
        queryset=staff_recipients(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "%(value)s is not an active staff member: choose staff only."
            ),
            "required": _("Choose at least one recipient."),
        },
        help_text=_(
            "Staff members. Those who may not see the report's source when it is "
            "sent are skipped."
        ),
    )
    skip_empty = forms.BooleanField(
        label=_("Skip when empty"), required=False, initial=True
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_recipients(self):
        recipients = self.cleaned_data["recipients"]
        if len(recipients) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                _("Choose at most %(count)d recipients."),
                params={"count": MAX_RECIPIENTS},
            )
        return recipients

    @classmethod
    def initial_of(cls, schedule: ReportSchedule | None, user) -> dict:
        if schedule is None:
            return {
                "frequency": ReportSchedule.Frequency.WEEKLY,
                "format": ReportSchedule.Format.XLSX,
                "time_of_day": "08:00",
                "recipients": [user.pk],
                "skip_empty": True,
                "active": True,
            }
        return {
            "frequency": schedule.frequency,
            "weekday": schedule.weekday,
            "time_of_day": schedule.time_of_day,
            "format": schedule.format,
            "recipients": [person.pk for person in schedule.recipients.all()],
            "skip_empty": schedule.skip_empty,
            "active": schedule.active,
        }
