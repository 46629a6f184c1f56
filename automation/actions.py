"""The automation module's own, generic actions: "automation.send_email" (a
marketing e-mail to the customer, with consent) and "automation.email_staff".

Texts take ``{first_name}`` and every ``{shortcode}`` the apps register in
``plugins.automation_shortcodes``; HTML bodies are sanitised with nh3. Each e-mail
is a row of core's e-mail outbox keyed by the step's idempotency key: a step run
twice sends once, and the e-mail leaves only when the step's transaction commits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
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
from core.services import EmailRequest, email_queue, email_queue_many
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


def newsletter_consent() -> plugins.NewsletterConsent | None:
    """The hub's newsletter consent (``customers`` registers it)."""
    return plugins.only_entry(plugins.newsletter_consents)


def audience_choices() -> list[tuple[Any, str]]:
    """Who a marketing e-mail may go to: the newsletter's or a list's
    subscribers (asked only when a list is given or the form is drawn)."""
    consent = newsletter_consent()
    lists = consent.list_choices() if consent else []
    return [("", _("Those who accept the newsletter"))] + [
        (pk, _("Subscribers of the list “%(name)s”") % {"name": name})
        for pk, name in lists
    ]


class SendEmailForm(forms.Form):
    subject = TextsField(label=gettext_lazy("Subject"))
    body = TextsField(label=gettext_lazy("Body (HTML)"))
    newsletter_list = forms.TypedChoiceField(
        label=gettext_lazy("Sent to"),
        choices=audience_choices,
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy(
            "Who may receive it: those who accept the newsletter, or the "
            "subscribers of a list. Its unsubscribe link takes them off the same."
        ),
    )

    def clean_subject(self):
        return texts_clean(
            self.cleaned_data["subject"], limit=SUBJECT_MAX, label=_("Subject")
        )

    def clean_body(self):
        return texts_clean(self.cleaned_data["body"], limit=BODY_MAX, label=_("Body"))


class EmailStaffForm(SendEmailForm):
    newsletter_list = None  # type: ignore[assignment]  # staff need no consent
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


def unsubscribe_token(customer_id: int, newsletter_list_id: int | None = None) -> str:
    """The signed link of a marketing e-mail: the customer, and the list the
    e-mail was sent for (none: the newsletter)."""
    value = str(customer_id)
    if newsletter_list_id is not None:
        value += f":{newsletter_list_id}"
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(value)


def unsubscribe_token_read(token: str) -> tuple[int, int | None] | None:
    """(customer id, list id or ``None``) from a link; ``None`` if forged."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
        customer, _sep, newsletter_list = value.partition(":")
        return int(customer), int(newsletter_list) if newsletter_list else None
    except (signing.BadSignature, ValueError):
        return None


def _list_id(params: dict[str, Any]) -> int | None:
    try:
        return int(params.get("newsletter_list") or 0) or None
    except (TypeError, ValueError):
        return None


def consent_missing(
    customer,
    params: dict[str, Any],
    *,
    consenting: set[int] | None = None,
    list_name: Callable[[int], str] | None = None,
) -> str:
    """Why the customer may not get this marketing e-mail ("" if they may): the
    step's list needs a subscription to it, no list the newsletter's consent.
    ``consenting`` (from ``consents_for``) and ``list_name`` answer for a batch
    what would otherwise be asked for each customer."""
    list_id = _list_id(params)
    consent = newsletter_consent()
    if consenting is not None:
        agreed = customer.pk in consenting
    elif consent is None:  # no hub to ask: only the newsletter flag is known
        agreed = list_id is None and customer.newsletter_subscribed
    else:
        agreed = consent.consents(customer, list_id)
    if agreed:
        return ""
    if list_id is None:
        return _("%(email)s has not consented to the newsletter.") % {
            "email": customer.email
        }
    name_of = list_name or (consent.list_name if consent else None)
    return _("%(email)s is not subscribed to the list “%(name)s”.") % {
        "email": customer.email,
        "name": (name_of(list_id) if name_of else "") or list_id,
    }


def consents_for(customers, params: dict[str, Any]) -> set[int] | None:
    """The ids of ``customers`` who accept the step's e-mails, in one query (the
    hub's ``consents_many``); ``None`` when the hub cannot answer for many."""
    consent = newsletter_consent()
    if consent is None or consent.consents_many is None:
        return None
    return consent.consents_many(
        [customer.pk for customer in customers], _list_id(params)
    )


def _texts(params) -> tuple[dict[str, str], dict[str, str]]:
    """The step's subjects and bodies per language, checked by its form."""
    form = SendEmailForm(data=params)
    if not form.is_valid():
        raise plugins.AutomationActionRefused(
            _("The e-mail's parameters are not valid: %(errors)s")
            % {"errors": "; ".join(str(e) for e in form.errors.values())}
        )
    return form.cleaned_data["subject"], form.cleaned_data["body"]


def _message(customer, params, context, *, language: str, texts=None):
    subjects, bodies = texts or _texts(params)
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
    missing = consent_missing(customer, params)
    if missing:
        return _("Would skip: %(reason)s") % {"reason": missing}
    subject, _body = _message(customer, params, context, language=customer.language)
    return _("Would e-mail “%(subject)s” to %(email)s.") % {
        "subject": subject,
        "email": customer.email,
    }


def send_email_run(customer, params, *, idempotency_key, context) -> str:
    """Queues the marketing e-mail once per idempotency key, to a customer who
    consented to the newsletter (or is on the step's list); the others are
    skipped, recorded as such. Its link unsubscribes from the same."""
    missing = consent_missing(customer, params)
    if missing:
        raise plugins.AutomationActionSkipped(
            _("Not sent: %(reason)s") % {"reason": missing}
        )
    request, text = _marketing_email(
        customer,
        params,
        idempotency_key=idempotency_key,
        context=context,
        texts=_texts(params),
    )
    email_queue(
        event_key=request.event_key,
        to=request.to,
        template=request.template,
        language=request.language,
        context=request.context,
    )
    return text


def _marketing_email(
    customer, params, *, idempotency_key: str, context, texts
) -> tuple[EmailRequest, str]:
    """The e-mail of ``send_email_run`` for one customer, and its step's text."""
    subject, body_html = _message(
        customer, params, context, language=customer.language, texts=texts
    )
    token = unsubscribe_token(customer.pk, _list_id(params))
    unsubscribe_url = absolute_url(reverse("automation:unsubscribe", args=[token]))
    request = EmailRequest(
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
    return request, _("E-mail “%(subject)s” queued to %(email)s.") % {
        "subject": subject,
        "email": customer.email,
    }


def send_email_run_many(
    calls: list[plugins.AutomationCall], params
) -> list[plugins.AutomationOutcome]:
    """``send_email_run`` for a batch: the parameters checked once, the e-mails
    queued by one ``email_queue_many`` (keyed by the steps' idempotency keys, one
    delivery task per chunk after the commit); those without consent skipped."""
    texts = _texts(params)
    outcomes: list[plugins.AutomationOutcome] = []
    requests = []
    consenting = consents_for([call.customer for call in calls], params)
    consent = newsletter_consent()
    list_name = functools.cache(consent.list_name) if consent else None
    for call in calls:
        missing = consent_missing(
            call.customer, params, consenting=consenting, list_name=list_name
        )
        if missing:
            outcomes.append(
                plugins.AutomationActionSkipped(
                    _("Not sent: %(reason)s") % {"reason": missing}
                )
            )
            continue
        request, text = _marketing_email(
            call.customer,
            params,
            idempotency_key=call.idempotency_key,
            context=call.context,
            texts=texts,
        )
        requests.append(request)
        outcomes.append(text)
    email_queue_many(requests)
    return outcomes


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
            run_many=send_email_run_many,
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
