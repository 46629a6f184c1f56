from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with e-mail and password."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail or the password is not right. Please try again."
        ),
    }


class StaffAuthenticationForm(EmailAuthenticationForm):
    """The backoffice login. A customer's account, even with its right password, gets
    the answer of a wrong password and counts as a failed login: the page never tells
    which e-mails have an account."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise self.get_invalid_login_error()


def email_lines_clean(text: str) -> str:
    """A list of e-mail addresses typed one per line (e.g. staff to notify).

    Blank lines and surrounding spaces are dropped; any line that is not an address
    is named in the error.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    bad = []
    for line in lines:
        try:
            validate_email(line)
        except ValidationError:
            bad.append(line)
    if bad:
        raise ValidationError(
            _("Not valid e-mail addresses: %(addresses)s. Put one per line.")
            % {"addresses": ", ".join(bad)},
            code="invalid_email",
        )
    return "\n".join(lines)
