"""Forms of login and access: staff set a password, one-shot actions, sign-up."""

import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.validators import RegexValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.services import supported_language

User = get_user_model()

PASSWORD_HELP = _(
    "At least 8 characters; not only digits, not a common password, not too like "
    "the name or the e-mail."
)


def nonce_new() -> str:
    return secrets.token_urlsafe(18)


class NonceForm(forms.Form):
    """A one-shot action: the nonce, made when the page was shown, names this request
    so that submitting it twice does the action once."""

    nonce = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")],
        error_messages={"required": _("The form is incomplete: reload the page.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"nonce": nonce_new()})
        super().__init__(*args, **kwargs)


class PasswordPairMixin:
    """Two password fields that must match and pass the password validators."""

    def password_user(self):
        return None

    def clean(self):
        cleaned_data = super().clean()
        password = cleaned_data.get("password")
        confirm = cleaned_data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords do not match."))
        elif password:
            try:
                password_validation.validate_password(password, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned_data


class LoginPasswordForm(PasswordPairMixin, forms.Form):
    """Staff set a customer's password by hand."""

    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password_confirm = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, customer=None, **kwargs):
        self.customer = customer
        super().__init__(*args, **kwargs)

    def password_user(self):
        if self.customer is None:
            return None
        return self.customer.user or User(
            email=self.customer.email,
            first_name=self.customer.first_name,
            last_name=self.customer.last_name,
        )


class SignupForm(PasswordPairMixin, forms.Form):
    """A visitor creates their account in the customer area."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=())
    newsletter = forms.BooleanField(label=_("Send me the newsletter"), required=False)

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password",
        "password_confirm",
        "language",
        "newsletter",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = supported_language(translation.get_language())

    def password_user(self):
        return User(
            email=self.cleaned_data.get("email", ""),
            first_name=self.cleaned_data.get("first_name", ""),
            last_name=self.cleaned_data.get("last_name", ""),
        )
