"""Forms of the "list" area: bulk actions, marketing, tag and list settings, billing,
shipping addresses and the avatar. They check the shape of input; rules live in
``customers.services``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from core import plugins
from customers.models import Customer, NewsletterList, ShippingAddress, Tag
from customers.models.marketing import colour_validator
from customers.services.avatar import AVATAR_MAX_BYTES
from customers.services.billing import BILLING_FIELDS, SHIPPING_FIELDS

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MAX_SELECTED = 1000

BULK_ACTIONS = (
    ("add_tag", _("Add a tag")),
    ("remove_tag", _("Remove a tag")),
    ("subscribe", _("Subscribe to a list")),
    ("unsubscribe", _("Unsubscribe from a list")),
    ("export", _("Export to CSV")),
)
# The permission each bulk action needs.
BULK_ACTION_PERMISSIONS = {
    "add_tag": "customers.change_customer",
    "remove_tag": "customers.change_customer",
    "subscribe": "customers.change_customer",
    "unsubscribe": "customers.change_customer",
    "export": "customers.export_customer",
}
TAG_ACTIONS = {"add_tag", "remove_tag"}
LIST_ACTIONS = {"subscribe", "unsubscribe"}


def bulk_action_plugins(user) -> list[plugins.CustomerBulkAction]:
    """The bulk actions other apps add (core.plugins), those the user may use."""
    return [
        entry
        for entry in plugins.customer_bulk_actions.visible_to(user)
        if entry.key not in BULK_ACTION_PERMISSIONS
    ]


def bulk_actions_for(user) -> list[tuple[str, str | StrPromise]]:
    own = [
        (key, label)
        for key, label in BULK_ACTIONS
        if user.has_perm(BULK_ACTION_PERMISSIONS[key])
    ]
    # The other apps' actions go before the export, which stays last.
    added = [(entry.key, entry.label) for entry in bulk_action_plugins(user)]
    if own and own[-1][0] == "export":
        return [*own[:-1], *added, own[-1]]
    return [*own, *added]


class NewsletterListChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.archived:
            return _("%(name)s (archived)") % {"name": obj.name}
        return obj.name


class CustomerIdsField(forms.Field):
    """The ids of the rows ticked in the table (checkboxes named ``selected``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The selection is not valid: tick the customers again."),
        "too_many": _(
            "Too many customers are ticked: choose “all customers matching the "
            "filters” instead."
        ),
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > MAX_SELECTED:
            raise forms.ValidationError(self.error_messages["too_many"], "too_many")
        ids = []
        for item in value:
            text = str(item).strip()
            if not text.isascii() or not text.isdigit() or len(text) > 18:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid")
            ids.append(int(text))
        return sorted(set(ids))


class BulkActionForm(forms.Form):
    SCOPE_SELECTED = "selected"
    SCOPE_ALL = "all"

    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _("This tag does not exist (any more): pick another.")
        },
    )
    newsletter_list = NewsletterListChoiceField(
        label=_("Newsletter list"),
        queryset=NewsletterList.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _("This list does not exist (any more): pick another.")
        },
    )
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=(
            (SCOPE_SELECTED, _("The customers ticked below")),
            (SCOPE_ALL, _("All customers matching the filters")),
        ),
        initial=SCOPE_SELECTED,
        widget=forms.RadioSelect,
    )
    selected = CustomerIdsField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        # Its own ids: the list's filter form has fields of the same names.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        # The other apps' actions, each with the field picking its target.
        self.plugin_actions = {
            entry.key: entry
            for entry in (
                bulk_action_plugins(user)
                if user is not None
                else list(plugins.customer_bulk_actions)
            )
        }
        for entry in self.plugin_actions.values():
            field = entry.make_field()
            field.required = False
            self.fields[entry.field_name] = field
        if user is not None:
            self.fields["action"].choices = bulk_actions_for(user)
        else:
            added = [(key, entry.label) for key, entry in self.plugin_actions.items()]
            self.fields["action"].choices = [
                *BULK_ACTIONS[:-1],
                *added,
                BULK_ACTIONS[-1],
            ]

    def clean(self):
        cleaned_data = super().clean()
        action = cleaned_data.get("action")
        missing_tag = not cleaned_data.get("tag") and "tag" not in self.errors
        if action in TAG_ACTIONS and missing_tag:
            self.add_error("tag", _("Pick the tag to add or remove."))
        missing_list = (
            not cleaned_data.get("newsletter_list")
            and "newsletter_list" not in self.errors
        )
        if action in LIST_ACTIONS and missing_list:
            self.add_error("newsletter_list", _("Pick the list."))
        newsletter_list = cleaned_data.get("newsletter_list")
        if action == "subscribe" and newsletter_list and newsletter_list.archived:
            self.add_error(
                "newsletter_list",
                _("This list is archived: it takes no new subscribers."),
            )
        entry = self.plugin_actions.get(action or "")
        if (
            entry is not None
            and cleaned_data.get(entry.field_name) in (None, "")
            and entry.field_name not in self.errors
        ):
            self.add_error(
                entry.field_name,
                self.fields[entry.field_name].error_messages["required"],
            )
        ids = cleaned_data.get("selected") or []
        if cleaned_data.get("scope") == self.SCOPE_SELECTED and "selected" not in (
            self.errors
        ):
            if not ids:
                self.add_error(
                    "scope",
                    _(
                        "Tick at least one customer, or choose all customers "
                        "matching the filters."
                    ),
                )
            elif Customer.objects.filter(pk__in=ids).count() != len(ids):
                self.add_error(
                    "scope",
                    _(
                        "Some of the ticked customers do not exist (any more): "
                        "reload the page and tick them again."
                    ),
                )
        return cleaned_data

    @property
    def target(self):
        action = self.cleaned_data.get("action")
        if action in TAG_ACTIONS:
            return self.cleaned_data["tag"]
        if action in LIST_ACTIONS:
            return self.cleaned_data["newsletter_list"]
        entry = self.plugin_action
        if entry is not None:
            return self.cleaned_data.get(entry.field_name)
        return None

    @property
    def plugin_action(self) -> plugins.CustomerBulkAction | None:
        """The chosen action, when another app brings it."""
        return self.plugin_actions.get(self.cleaned_data.get("action") or "")


# Marketing tab


class TagPickForm(forms.Form):
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.all(),
        error_messages={
            "invalid_choice": _("This tag does not exist (any more): pick another."),
            "required": _("Pick a tag."),
        },
    )


class ListPickForm(forms.Form):
    newsletter_list = forms.ModelChoiceField(
        label=_("Newsletter list"),
        queryset=NewsletterList.objects.filter(archived=False),
        error_messages={
            "invalid_choice": _(
                "This list does not exist or is archived: pick another."
            ),
            "required": _("Pick a list."),
        },
    )


class NewsletterConsentForm(forms.Form):
    subscribed = forms.TypedChoiceField(
        label=_("Newsletter"),
        choices=(("1", _("Subscribed")), ("0", _("Not subscribed"))),
        coerce=lambda value: value == "1",
    )


# Settings


class ColourInput(forms.TextInput):
    input_type = "color"


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    colour = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#2346c8",
        validators=[colour_validator],
        widget=ColourInput(),
    )

    @classmethod
    def for_tag(cls, tag: Tag, **kwargs):
        return cls(initial={"name": tag.name, "colour": tag.colour}, **kwargs)


class NewsletterListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=255, required=False
    )

    @classmethod
    def for_list(cls, newsletter_list: NewsletterList, **kwargs):
        return cls(
            initial={
                "name": newsletter_list.name,
                "description": newsletter_list.description,
            },
            **kwargs,
        )


# Billing and shipping


def country_code_clean(value: str) -> str:
    country = (value or "").strip().upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise forms.ValidationError(
            _("Use the two-letter country code, e.g. IT, ES, PT.")
        )
    return country


class BillingForm(forms.ModelForm):
    # Longer than the column on purpose: a country's name gets the clear message.
    billing_country = forms.CharField(
        label=_("Billing country"), max_length=60, required=False
    )

    class Meta:
        model = Customer
        fields = list(BILLING_FIELDS)

    def clean_billing_country(self):
        return country_code_clean(self.cleaned_data.get("billing_country"))


class ShippingAddressForm(forms.ModelForm):
    country = forms.CharField(label=_("Country"), max_length=60, required=False)
    make_default = forms.BooleanField(
        label=_("Default shipping address"), required=False
    )

    class Meta:
        model = ShippingAddress
        fields = list(SHIPPING_FIELDS)

    def clean_country(self):
        return country_code_clean(self.cleaned_data.get("country"))


# Avatar


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("Avatar"),
        help_text=_("A JPEG, PNG or WebP picture, up to 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
        error_messages={
            "required": _("Choose a picture to upload."),
            "empty": _("The file is empty: choose a picture."),
        },
    )

    def clean_avatar(self):
        avatar = self.cleaned_data["avatar"]
        if avatar.size > AVATAR_MAX_BYTES:
            raise forms.ValidationError(
                _("The image is larger than 5 MB: choose a smaller one.")
            )
        return avatar
