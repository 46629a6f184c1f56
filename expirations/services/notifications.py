"""The e-mails the expirations module sends to customers, in their language.

Dates are formatted here, when the e-mail is queued, in the customer's language;
``core.services`` sends each event key once. The daily job builds the requests of
a batch and queues them together (``email_queue_many``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from core.services import EmailRequest, supported_language
from core.site import absolute_url

REMINDER_TEMPLATE = "expirations_reminder"
EXPIRED_TEMPLATE = "expirations_expired"


def renew_link() -> str:
    """Where the customer renews (on ``SITE_URL``)."""
    return absolute_url(reverse("expirations:account_list"))


def reminder_event_key(expiration_id: int, expiry_date: date, offset: int) -> str:
    return f"expirations.reminder:{expiration_id}:{expiry_date.isoformat()}:{offset}"


def expired_event_key(expiration_id: int, expiry_date: date) -> str:
    return f"expirations.expired:{expiration_id}:{expiry_date.isoformat()}"


@lru_cache(maxsize=512)
def _date_in(language: str, day: date) -> str:
    with translation.override(language):
        return date_format(day, "DATE_FORMAT")


def _request(
    *,
    customer,
    event_key: str,
    template: str,
    item: str,
    expiry_date: date,
    context: dict,
) -> EmailRequest | None:
    if not customer.email:
        return None
    language = supported_language(customer.language)
    return EmailRequest(
        event_key=event_key,
        to=customer.email,
        template=template,
        context={
            "name": customer.first_name,
            "item": item,
            "expiry_date": _date_in(language, expiry_date),
            "renew_url": renew_link(),
            **context,
        },
        language=language,
    )


def reminder_email(*, expiration, offset: int, today: date) -> EmailRequest | None:
    """ "Your service expires in N days" (or "expired N days ago"), once per offset.

    The days are counted from ``today``, so a reminder sent late by a catch-up says
    how long is really left. None when the customer has no address.
    """
    days_left = (expiration.expiry_date - today).days
    return _request(
        customer=expiration.customer,
        event_key=reminder_event_key(expiration.pk, expiration.expiry_date, offset),
        template=REMINDER_TEMPLATE,
        item=expiration.label_in(supported_language(expiration.customer.language)),
        expiry_date=expiration.expiry_date,
        context={"expired": days_left < 0, "days": abs(days_left), "offset": offset},
    )


def expired_email(*, expiration) -> EmailRequest | None:
    """ "Your service has expired": once per expiration and expiry date."""
    return _request(
        customer=expiration.customer,
        event_key=expired_event_key(expiration.pk, expiration.expiry_date),
        template=EXPIRED_TEMPLATE,
        item=expiration.label_in(supported_language(expiration.customer.language)),
        expiry_date=expiration.expiry_date,
        context={},
    )
