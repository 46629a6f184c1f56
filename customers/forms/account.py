"""Forms of the customer area's login and password reset."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from core.backends import client_ip
from core.forms import EmailAuthenticationForm
from customers.services.login import login_requires_confirmation
from customers.services.password_reset import password_reset_email_queue


class CustomerAuthenticationForm(EmailAuthenticationForm):
    """The customer area's login: only people who have a customer profile."""

    error_messages = {
        **EmailAuthenticationForm.error_messages,
        "email_unconfirmed": _(
            "Confirm your e-mail address first: we sent you a link."
        ),
    }

    def confirm_login_allowed(self, user):
        """Called only once the password was right: someone without it is told
        nothing about the address (the wrong-password answer comes first)."""
        super().confirm_login_allowed(user)
        if not hasattr(user, "customer"):
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login"
            )
        if login_requires_confirmation(user.customer):
            raise forms.ValidationError(
                self.error_messages["email_unconfirmed"], code="email_unconfirmed"
            )


class ConfirmationResendForm(forms.Form):
    """The login page's "Send the link again"."""

    email = forms.EmailField(widget=forms.HiddenInput)


class CustomerPasswordResetForm(PasswordResetForm):
    """Sends the reset link through the shared e-mail service, in their language,
    within the hourly limits per address and per client."""

    requested_from = ""

    def save(self, *args, request=None, **kwargs):
        self.requested_from = client_ip(request) if request is not None else ""
        return super().save(*args, request=request, **kwargs)

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
        password_reset_email_queue(
            user=user,
            to=to_email,
            event_key=f"password_reset:{user.pk}:{context['token']}",
            name=user.first_name or (customer.first_name if customer else ""),
            reset_url=f"{context['protocol']}://{context['domain']}{reset_path}",
            language=language,
            client_ip=self.requested_from,
        )
