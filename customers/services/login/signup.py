"""Sign-up from the customer area: the new customer and login, or an e-mail to the
owner of a taken address."""

from __future__ import annotations

import hashlib
from typing import cast

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from core.services import email_queue, supported_language
from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record
from customers.services.login.common import (
    ORIGIN_FIELDS,
    User,
    _login_prepare,
    _login_save,
    _password_check,
)
from customers.services.login.confirmation import (
    confirmation_queue,
)
from customers.services.profile import (
    customer_created_send,
    customer_email_taken,
    normalize_email,
)


def origin_clean(origin: dict | None) -> dict[str, str]:
    """The UTM parameters and referrer worth keeping, cut to the fields' sizes."""
    cleaned: dict[str, str] = {}
    if not isinstance(origin, dict):
        return cleaned
    for name in ORIGIN_FIELDS:
        value = origin.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        field = cast(models.CharField, Customer._meta.get_field(name))
        max_length = cast(int, field.max_length)
        value = value.strip()
        if name == "referrer":
            if len(value) > max_length:
                continue
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                continue
        cleaned[name] = value[:max_length]
    return cleaned


def _signup_existing_notify(email: str, *, site_url: str) -> None:
    """Tells whoever owns ``email`` that someone tried to sign up with it, with how
    to log in instead: at most one such e-mail an hour per address."""
    customer = (
        Customer.objects.filter(email__iexact=email).select_related("user").first()
    )
    user = User.objects.filter(email__iexact=email).first()
    if customer is not None:
        name, language, login_name = customer.first_name, customer.language, None
    elif user is not None:
        name, language = user.first_name, user.language
        login_name = "staff:login" if user.is_staff else None
    else:
        return
    digest = hashlib.sha256(email.encode()).hexdigest()
    hour = timezone.now().strftime("%Y-%m-%dT%H")
    email_queue(
        event_key=f"customer.signup_existing:{digest}:{hour}",
        to=email,
        template="signup_existing",
        context={
            "name": name,
            "login_url": site_url.rstrip("/") + reverse(login_name or "account:login"),
        },
        language=language,
    )


@transaction.atomic(durable=True)
def customer_signup(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    language: str,
    newsletter: bool,
    origin: dict | None,
    user_agent: str,
    site_url: str,
) -> Customer | None:
    """A visitor signs up: their customer card and login, the REGISTERED event, and
    the e-mail that asks them to confirm their address.

    An e-mail that already has an account (a customer's, or a staff account) creates
    and changes nothing: its owner is e-mailed that someone tried to sign up with it,
    and None is returned. Input that is refused is refused before the address is
    looked at, and the caller must answer the visitor the same either way, so that
    sign-up never tells which e-mails have an account.
    """
    email = normalize_email(email)
    customer = Customer(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=supported_language(language),
        newsletter_subscribed=bool(newsletter),
        source="signup",
        registration_user_agent=(user_agent or "")[:500],
        **origin_clean(origin),
    )
    customer.full_clean(exclude=["user"], validate_constraints=False)
    _password_check(
        password,
        User(email=email, first_name=customer.first_name, last_name=customer.last_name),
    )

    def taken() -> None:
        make_password(password)  # as long as a sign-up takes: timing tells nothing
        _signup_existing_notify(email, site_url=site_url)

    if customer_email_taken(email):
        taken()
        return None
    try:
        user, _is_new = _login_prepare(customer)
    except ValidationError:
        taken()
        return None
    try:
        with transaction.atomic():
            customer.save()
            _login_save(customer, user, password=password)
    except (IntegrityError, ValidationError):
        # Someone signed up with the same address at the same moment.
        taken()
        return None
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.REGISTERED,
        actor=user,
        data={"newsletter": bool(newsletter)},
    )
    confirmation_queue(customer, request_key="signup", site_url=site_url, actor=None)
    customer_created_send(customer, source="signup")
    return customer
