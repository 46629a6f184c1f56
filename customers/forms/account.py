"""Forms of the customer area's login and password reset."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from core.forms import EmailAuthenticationForm
from core.services import email_queue


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
            },
            secret_context={
                "reset_url": f"{context['protocol']}://{context['domain']}{reset_path}",
            },
            language=language,
        )
