from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import EmailAuthenticationForm
from core.services import email_queue
from customers.models import Customer


class CustomerAuthenticationForm(EmailAuthenticationForm):
    """The customer area's login: only people who have a customer profile."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not hasattr(user, "customer"):
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login"
            )


class CustomerPasswordResetForm(PasswordResetForm):
    """Sends the reset link through the shared e-mail service, in their language."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        customer = getattr(user, "customer", None)
        language = customer.language if customer else user.language
        reset_path = f"/account/reset/{context['uid']}/{context['token']}/"
        email_queue(
            event_key=f"password_reset:{user.pk}:{context['token']}",
            to=to_email,
            template="password_reset",
            context={
                "name": user.first_name or (customer.first_name if customer else ""),
                "reset_url": f"{context['protocol']}://{context['domain']}{reset_path}",
            },
            language=language,
        )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)


class CustomerPersonalForm(forms.ModelForm):
    """Personal data as staff create and edit it (shape only: rules are in services)."""

    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
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
