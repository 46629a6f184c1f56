"""Personal data forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.services.profile import normalize_email


class CustomerPersonalForm(forms.ModelForm):
    """Personal data as staff create and edit it (shape only: rules are in services)."""

    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Customer
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "website",
            "birth_date",
            "sex",
            "address",
            "city",
            "region",
            "postal_code",
            "country",
            "language",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, email_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if email_locked:
            field = self.fields["email"]
            field.disabled = True
            field.help_text = _(
                "The customer logs in with this e-mail: only a manager can change it."
            )

    def changes(self) -> dict:
        """What this post changes, by field name.

        Django keeps a disabled field at its initial value whatever is posted. A
        post that names another e-mail for a locked one anyway (a browser never
        sends a disabled field) is passed on as posted, so the service refuses it
        aloud instead of the form dropping it unsaid.
        """
        changes = {name: self.cleaned_data[name] for name in self.changed_data}
        email = self.fields["email"]
        posted = self.data.get(self.add_prefix("email"))
        if (
            email.disabled
            and isinstance(posted, str)
            and normalize_email(posted) != normalize_email(self["email"].initial)
        ):
            changes["email"] = posted
        return changes

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return birth_date

    def clean_country(self):
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise forms.ValidationError(
                _("Use the two-letter country code, e.g. IT, ES, PT.")
            )
        return country
