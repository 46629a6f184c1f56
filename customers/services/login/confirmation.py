"""E-mail confirmation: the signed link, its e-mail, and confirming the address."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SentEmail
from core.services import email_queue
from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record
from customers.services.login.common import (
    CONFIRMATION_SALT,
    _customer_lock,
    _event_key,
    confirmation_max_age,
)


def email_confirmation_token(customer: Customer) -> str:
    """A signed, expiring token for the customer's current e-mail address."""
    return signing.TimestampSigner(salt=CONFIRMATION_SALT).sign_object(
        {"c": customer.pk, "e": customer.email}
    )


def confirmation_queue(
    customer: Customer,
    *,
    request_key: str,
    site_url: str,
    actor,
    client_ip: str = "",
) -> bool:
    event_key = _event_key("customer.email_confirmation", customer, request_key)
    if SentEmail.objects.filter(event_key=event_key).exists():
        return False
    path = reverse(
        "account:confirm_email", kwargs={"token": email_confirmation_token(customer)}
    )
    email_queue(
        event_key=event_key,
        to=customer.email,
        template="email_confirmation",
        context={
            "name": customer.first_name,
            "confirm_url": site_url.rstrip("/") + path,
            "valid_days": max(1, confirmation_max_age().days),
            # Asked from the login page: kept so the limit per client can count it.
            **({"client_ip": client_ip} if client_ip else {}),
        },
        language=customer.language,
    )
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.CONFIRMATION_SENT,
        actor=actor,
        detail=customer.email,
    )
    return True


@transaction.atomic(durable=True)
def customer_confirmation_send(
    *, customer: Customer, actor, request_key: str, site_url: str
) -> bool:
    """E-mails the customer a link that confirms their e-mail address.

    Once per ``request_key`` (False when already sent for it). An address already
    confirmed is refused.
    """
    customer = _customer_lock(customer)
    if customer.email_confirmed_at is not None:
        raise ValidationError(
            _("This e-mail address is already confirmed."), code="confirmed"
        )
    return confirmation_queue(
        customer, request_key=request_key, site_url=site_url, actor=actor
    )


def email_confirmation_customer(token: str, *, lock: bool = False) -> Customer:
    """The customer a confirmation link names, refused if it is not valid now.

    Reads only: the link page shows it before the customer presses "Confirm" (a
    mail scanner that opens links confirms nothing).
    """
    invalid = ValidationError(
        _(
            "This confirmation link is not valid. Open the link from the latest "
            "e-mail we sent, or ask for a new one."
        ),
        code="invalid",
    )
    try:
        data = signing.TimestampSigner(salt=CONFIRMATION_SALT).unsign_object(
            token, max_age=confirmation_max_age()
        )
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("This confirmation link has expired. Ask us for a new one."),
            code="expired",
        ) from error
    except (signing.BadSignature, ValueError) as error:
        raise invalid from error
    if not isinstance(data, dict):
        raise invalid
    customers = Customer.objects.select_related("user")
    if lock:
        customers = customers.select_for_update(of=("self",))
    customer = customers.filter(pk=data.get("c")).first()  # type: ignore[misc]  # no "c": no match
    if customer is None or customer.email.lower() != str(data.get("e", "")).lower():
        raise invalid
    return customer


@transaction.atomic(durable=True)
def customer_email_confirm(*, token: str, login_url: str) -> Customer:
    """Confirms the e-mail address a confirmation link was sent to (on a POST).

    The first time, it records the event and e-mails "account activated" (once per
    customer); confirming again changes nothing.
    """
    customer = email_confirmation_customer(token, lock=True)
    if customer.email_confirmed_at is not None:
        return customer
    customer.email_confirmed_at = timezone.now()
    customer.save(update_fields=["email_confirmed_at", "updated_at"])
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.EMAIL_CONFIRMED,
        actor=customer.user,
        detail=customer.email,
    )
    email_queue(
        event_key=f"customer.account_activated:{customer.pk}",
        to=customer.email,
        template="account_activated",
        context={"name": customer.first_name, "login_url": login_url},
        language=customer.language,
    )
    return customer
