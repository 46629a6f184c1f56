"""A customer's login: enabling and disabling it, a password set by staff, and the
credentials e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import SentEmail
from core.services import email_queue
from core.site import absolute_url
from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record
from customers.services.login.common import (
    _customer_lock,
    _event_key,
    _login_prepare,
    _login_save,
    _password_check,
    _permission_check,
    _staff_label,
    _staff_refused,
    password_generate,
)
from customers.services.login.confirmation import (
    confirmation_queue,
)


def _confirmation_on_enable(
    customer: Customer, *, event: CustomerEvent, site_url: str, actor
) -> None:
    """A login staff just enabled (or credentials they sent) for an e-mail not
    confirmed yet: the confirmation request goes too, once for this event, since
    the customer logs in only once they confirmed (see ``login_requires_confirmation``).
    Not when a request already went to the address in the last hour (enabling the
    login, then sending the credentials, sends one).
    """
    recently = SentEmail.objects.filter(
        template="email_confirmation",
        to__iexact=customer.email,
        created_at__gte=timezone.now() - timedelta(hours=1),
    )
    if customer.email and customer.email_confirmed_at is None and not recently.exists():
        confirmation_queue(
            customer,
            request_key=f"{event.kind}:{event.pk}",
            site_url=site_url or settings.SITE_URL,
            actor=actor,
        )


def login_requires_confirmation(customer: Customer) -> bool:
    """Whether the customer must confirm their e-mail before logging in
    (``CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL``)."""
    return (
        settings.CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL
        and customer.email_confirmed_at is None
    )


@transaction.atomic(durable=True)
def customer_login_enable(*, customer: Customer, actor, site_url: str = "") -> bool:
    """Lets the customer log in again, or creates their login; False if it already
    could. A new login gets a random password: send the credentials next.

    An e-mail address not confirmed yet is sent the confirmation request
    (``site_url`` is the site's root for its link, ``SITE_URL`` unless given).
    Only staff with ``customers.enable_customer_login`` may.
    """
    _permission_check(actor, "customers.enable_customer_login")
    customer = _customer_lock(customer)
    user, is_new = _login_prepare(customer)
    if not is_new and user.is_active:
        return False
    _login_save(customer, user, password=None)
    event = customer_event_record(
        customer=customer, kind=CustomerEvent.Kind.LOGIN_ENABLED, actor=actor
    )
    _confirmation_on_enable(customer, event=event, site_url=site_url, actor=actor)
    return True


@transaction.atomic(durable=True)
def customer_login_disable(*, customer: Customer, actor) -> bool:
    """Stops the customer's login; their open sessions end at their next request.

    False if they could not log in anyway.
    """
    customer = _customer_lock(customer)
    user = customer.user
    if user is None or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        raise _staff_refused()
    user.is_active = False
    user.save(update_fields=["is_active"])
    customer_event_record(
        customer=customer, kind=CustomerEvent.Kind.LOGIN_DISABLED, actor=actor
    )
    return True


@transaction.atomic(durable=True)
def customer_login_password_set(
    *,
    customer: Customer,
    password: str,
    actor,
    password_reset_url: str = "",
    site_url: str = "",
) -> Customer:
    """Sets the customer's password by hand (the password validators apply) and
    enables their login.

    Only staff with ``customers.set_customer_password`` may (``actor`` None is the
    system). The event names who set it, and the customer is e-mailed that staff
    changed their password (never the password itself), with the link to choose
    their own: a password someone else knows is not theirs alone any more. An
    e-mail address not confirmed yet is sent the confirmation request too.
    """
    _permission_check(actor, "customers.set_customer_password")
    customer = _customer_lock(customer)
    user, is_new = _login_prepare(customer)
    _password_check(password, user)
    was_enabled = not is_new and user.is_active
    _login_save(customer, user, password=password)
    if not was_enabled:
        customer_event_record(
            customer=customer, kind=CustomerEvent.Kind.LOGIN_ENABLED, actor=actor
        )
    by_staff = actor is not None and actor.is_authenticated
    event = customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.PASSWORD_SET,
        actor=actor,
        detail=_staff_label(actor) if by_staff else "",
        data={"set_by": actor.pk, "set_by_email": actor.email} if by_staff else {},
    )
    if customer.email:
        email_queue(
            event_key=f"customer.password_set_by_staff:{event.pk}",
            to=customer.email,
            template="password_set_by_staff",
            context={
                "name": customer.first_name,
                "email": user.email,
                "password_reset_url": password_reset_url
                or absolute_url(reverse("account:password_reset")),
            },
            language=customer.language,
        )
    _confirmation_on_enable(customer, event=event, site_url=site_url, actor=actor)
    return customer


def credentials_event_key(customer: Customer, request_key: str) -> str:
    return _event_key("customer.credentials", customer, request_key)


@transaction.atomic(durable=True)
def customer_credentials_send(
    *,
    customer: Customer,
    actor,
    request_key: str,
    login_url: str,
    site_url: str = "",
) -> bool:
    """Gives the customer a new random password and e-mails it with the login URL.

    ``request_key`` names this one request (a nonce of the form): asking again with
    the same key (a double submit, a retry) changes nothing and sends nothing, and
    returns False. An e-mail address not confirmed yet is sent the confirmation
    request too. Only staff with ``customers.send_customer_credentials`` may.
    """
    _permission_check(actor, "customers.send_customer_credentials")
    customer = _customer_lock(customer)
    event_key = credentials_event_key(customer, request_key)
    if SentEmail.objects.filter(event_key=event_key).exists():
        return False
    user, is_new = _login_prepare(customer)
    was_enabled = not is_new and user.is_active
    password = password_generate()
    _login_save(customer, user, password=password)
    email_queue(
        event_key=event_key,
        to=customer.email,
        template="credentials",
        context={
            "name": customer.first_name,
            "email": user.email,
            "login_url": login_url,
        },
        secret_context={"password": password},
        language=customer.language,
    )
    if not was_enabled:
        customer_event_record(
            customer=customer, kind=CustomerEvent.Kind.LOGIN_ENABLED, actor=actor
        )
    event = customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.CREDENTIALS_SENT,
        actor=actor,
        detail=customer.email,
    )
    _confirmation_on_enable(customer, event=event, site_url=site_url, actor=actor)
    return True
