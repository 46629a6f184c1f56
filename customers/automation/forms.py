"""The parameter forms of the customers hub's funnel triggers, actions and conditions.

Their ``cleaned_data`` is what a funnel stores as parameters: JSON-safe, a tag or a
list by its id.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from customers.models import CustomerAction, NewsletterList, Tag

TODO_MAX_DAYS = 365


class _ChoiceByIdForm(forms.Form):
    """One tag or list, stored by its id; ``required`` False means "any"."""

    field_name = ""

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get(self.field_name)
        if chosen is not None and not isinstance(chosen, int):
            cleaned[self.field_name] = chosen.pk
        return cleaned


def _tag_field(required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Tag.objects.all(),
        label=gettext_lazy("Tag"),
        required=required,
        empty_label=gettext_lazy("Any tag") if not required else "---------",
    )


def _list_field(required: bool, *, open_only: bool = False) -> forms.ModelChoiceField:
    lists = NewsletterList.objects.all()
    if open_only:
        lists = lists.filter(archived=False)
    return forms.ModelChoiceField(
        queryset=lists,
        label=gettext_lazy("Newsletter list"),
        required=required,
        empty_label=gettext_lazy("Any list") if not required else "---------",
    )


class TagTriggerForm(_ChoiceByIdForm):
    field_name = "tag"
    tag = _tag_field(required=False)


class TagForm(_ChoiceByIdForm):
    field_name = "tag"
    tag = _tag_field(required=True)


class ListTriggerForm(_ChoiceByIdForm):
    field_name = "newsletter_list"
    newsletter_list = _list_field(required=False)


class ListForm(_ChoiceByIdForm):
    field_name = "newsletter_list"
    newsletter_list = _list_field(required=True)


class SubscribeListForm(_ChoiceByIdForm):
    field_name = "newsletter_list"
    newsletter_list = _list_field(required=True, open_only=True)


class CustomerCreatedForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Created by"),
        required=False,
        choices=[
            ("", gettext_lazy("Sign-up, staff or API")),
            ("signup", gettext_lazy("Sign-up")),
            ("staff", gettext_lazy("Staff")),
            ("api", gettext_lazy("API")),
        ],
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=settings.LANGUAGES
    )


class CreateTodoForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=CustomerAction.Kind.choices,
        initial=CustomerAction.Kind.CALL,
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy("Shortcodes such as {first_name} are filled in."),
    )
    due_in_days = forms.IntegerField(
        label=gettext_lazy("Due in (days)"),
        min_value=0,
        max_value=TODO_MAX_DAYS,
        initial=1,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea,
    )
