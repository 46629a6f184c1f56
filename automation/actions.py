"""The automation module's own, generic actions: "automation.send_email" (a
marketing e-mail to the customer, with consent) and "automation.email_staff".

Texts take ``{first_name}`` and every ``{shortcode}`` the apps register in
``plugins.automation_shortcodes``; HTML bodies are sanitised with nh3. Each e-mail
is a row of core's e-mail outbox keyed by the step's idempotency key: a step run
twice sends once, and the e-mail leaves only when the step's transaction commits.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import nh3
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import plugins
from core.services import email_queue
from core.site import absolute_url

TEMPLATE = "automation_email"
SUBJECT_MAX = 200
BODY_MAX = 50_000
UNSUBSCRIBE_SALT = "automation.unsubscribe"
_SHORTCODE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def texts_clean(value: Any, *, limit: int, label: str) -> dict[str, str]:
    """A ``{"en": "...", "it": "..."}`` of texts per language, checked."""
    languages = {code for code, _name in settings.LANGUAGES}
    if isinstance(value, str):
        value = {settings.LANGUAGE_CODE: value}
    if not isinstance(value, dict) or not value:
        raise ValidationError(
            _('%(label)s: give a text per language, e.g. {"en": "..."}.')
            % {"label": label}
        )
    for language, text in value.items():
        if language not in languages:
            raise ValidationError(
                _("%(label)s: “%(language)s” is not a language of the site.")
                % {"label": label, "language": language}
            )
        if not isinstance(text, str) or not text.strip() or len(text) > limit:
            raise ValidationError(
                _("%(label)s (%(language)s): a text of 1 to %(limit)d characters.")
                % {"label": label, "language": language, "limit": limit}
            )
    return value


class TextsField(forms.Field):
    """A text, or texts per language (the funnel document holds them as JSON)."""

    def to_python(self, value):
        return value


class SendEmailForm(forms.Form):
    subject = TextsField(label=gettext_lazy("Subject"))
    body = TextsField(label=gettext_lazy("Body (HTML)"))

    def clean_subject(self):
        return texts_clean(
            self.cleaned_data["subject"], limit=SUBJECT_MAX, label=_("Subject")
        )

    def clean_body(self):
        return texts_clean(self.cleaned_data["body"], limit=BODY_MAX, label=_("Body"))


class EmailStaffForm(SendEmailForm):
    to = forms.CharField(
        label=gettext_lazy("To (e-mails, separated by commas)"), max_length=1000
    )

    def clean_to(self):
        addresses = [a.strip() for a in self.cleaned_data["to"].split(",") if a.strip()]
        if not addresses:
            raise ValidationError(_("Give at least one e-mail address."))
        for address in addresses:
            validate_email(address)
        return addresses


def pick_language(texts: dict[str, str], language: str) -> str:
    for candidate in (language, settings.LANGUAGE_CODE):
        if candidate in texts:
            return candidate
    return next(iter(texts))


def shortcodes_fill(
    text: str, customer, context: plugins.AutomationContext, *, html: bool
) -> str:
    """``text`` with each known ``{name}`` replaced for the customer (escaped in
    HTML); an unknown one is left as it is."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "first_name":
            found = customer.first_name
        else:
            entry = plugins.automation_shortcodes.get(name)
            if entry is None:
                return match.group(0)
            found = str(entry.value(customer, context))
        return escape(found) if html else found

    return _SHORTCODE.sub(value, text)


def unsubscribe_token(customer_id: int) -> str:
    """The signed customer id of an unsubscribe link (the same in every e-mail)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(customer_id))


def unsubscribe_token_read(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def _message(customer, params, context, *, language: str):
    form = SendEmailForm(data=params)
    if not form.is_valid():
        raise plugins.AutomationActionRefused(
            _("The e-mail's parameters are not valid: %(errors)s")
            % {"errors": "; ".join(str(e) for e in form.errors.values())}
        )
    subjects, bodies = form.cleaned_data["subject"], form.cleaned_data["body"]
    with translation.override(language):
        subject = shortcodes_fill(
            subjects[pick_language(subjects, language)], customer, context, html=False
        )
        body_html = nh3.clean(
            shortcodes_fill(
                bodies[pick_language(bodies, language)], customer, context, html=True
            )
        )
    return " ".join(subject.split())[:255], body_html


def send_email_describe(customer, params, context) -> str:
    if not customer.newsletter_subscribed:
        return _("Would skip: %(email)s has not consented to the newsletter.") % {
            "email": customer.email
        }
    subject, _body = _message(customer, params, context, language=customer.language)
    return _("Would e-mail “%(subject)s” to %(email)s.") % {
        "subject": subject,
        "email": customer.email,
    }


def send_email_run(customer, params, *, idempotency_key, context) -> str:
    """Queues the marketing e-mail once per idempotency key, to a customer who
    consented to the newsletter; the others are skipped, recorded as such."""
    if not customer.newsletter_subscribed:
        raise plugins.AutomationActionSkipped(
            _("Not sent: %(email)s has not consented to the newsletter.")
            % {"email": customer.email}
        )
    subject, body_html = _message(customer, params, context, language=customer.language)
    unsubscribe_url = absolute_url(
        reverse("automation:unsubscribe", args=[unsubscribe_token(customer.pk)])
    )
    email_queue(
        event_key=idempotency_key,
        to=customer.email,
        template=TEMPLATE,
        language=customer.language,
        context={
            "subject": subject,
            "body_html": body_html,
            "body_text": strip_tags(body_html),
            "unsubscribe_url": unsubscribe_url,
            # RFC 8058: one-click unsubscribe by a POST to the link.
            "headers": {
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        },
    )
    return _("E-mail “%(subject)s” queued to %(email)s.") % {
        "subject": subject,
        "email": customer.email,
    }


def email_staff_run(customer, params, *, idempotency_key, context) -> str:
    form = EmailStaffForm(data=params)
    if not form.is_valid():
        raise plugins.AutomationActionRefused(
            _("The e-mail's parameters are not valid: %(errors)s")
            % {"errors": "; ".join(str(e) for e in form.errors.values())}
        )
    language = settings.LANGUAGE_CODE
    subject, body_html = _message(customer, params, context, language=language)
    for address in form.cleaned_data["to"]:
        email_queue(
            event_key=f"{idempotency_key}:{address.lower()}"[:200],
            to=address,
            template=TEMPLATE,
            language=language,
            context={
                "subject": subject,
                "body_html": body_html,
                "body_text": strip_tags(body_html),
            },
        )
    return _("E-mail “%(subject)s” queued to %(to)s.") % {
        "subject": subject,
        "to": ", ".join(form.cleaned_data["to"]),
    }


def email_staff_describe(customer, params, context) -> str:
    return _("Would e-mail staff (%(to)s) about %(email)s.") % {
        "to": params.get("to", ""),
        "email": customer.email,
    }


def register() -> None:
    plugins.automation_actions.register(
        plugins.AutomationAction(
            "automation.send_email",
            gettext_lazy("Send an e-mail"),
            send_email_run,
            form_class=SendEmailForm,
            describe=send_email_describe,
            too_late_after=timedelta(days=3),
            marketing=True,
            order=10,
        )
    )
    plugins.automation_actions.register(
        plugins.AutomationAction(
            "automation.email_staff",
            gettext_lazy("E-mail staff"),
            email_staff_run,
            form_class=EmailStaffForm,
            describe=email_staff_describe,
            order=20,
        )
    )
