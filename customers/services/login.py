"""Login and access: a customer's login, credentials, e-mail confirmation, sign-up and
staff impersonation.

A customer's login is a ``core.User`` linked from ``Customer.user``; it logs in to the
customer area while active. A staff account is never a customer login.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SentEmail
from core.services import email_queue, supported_language
from core.site import absolute_url
from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record
from customers.services.profile import (
    customer_created_send,
    customer_email_taken,
    normalize_email,
)

User = get_user_model()

PASSWORD_ALPHABET = "".join(
    c for c in string.ascii_letters + string.digits if c not in "Il1O0o"
)
PASSWORD_LENGTH = 16
CONFIRMATION_SALT = "customers.email-confirmation"
EVENT_KEY_MAX_LENGTH = cast(int, SentEmail._meta.get_field("event_key").max_length)
ORIGIN_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
)


def confirmation_max_age() -> timedelta:
    """How long an e-mail confirmation link works (3 days unless set otherwise)."""
    return timedelta(
        seconds=getattr(settings, "CLIENTELA_EMAIL_CONFIRMATION_MAX_AGE", 3 * 86400)
    )


def password_generate() -> str:
    """A random, strong password without look-alike characters (l/1, O/0)."""
    while True:
        password = "".join(
            secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH)
        )
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def _staff_refused() -> ValidationError:
    return ValidationError(
        _("A staff account can never be a customer login."), code="staff_login"
    )


def _login_prepare(customer: Customer):
    """The customer's login, or a new (unsaved) one; ``(user, is_new)``.

    A login that an earlier, deleted customer left behind with the same e-mail is
    taken over as new. Another customer's login, or a staff account, is refused.
    """
    user = customer.user
    if user is not None:
        if user.is_staff or user.is_superuser:
            raise _staff_refused()
        return user, False
    user = User.objects.filter(email__iexact=customer.email).first()
    if user is not None:
        if user.is_staff or user.is_superuser:
            raise _staff_refused()
        if Customer.objects.filter(user=user).exists():
            raise ValidationError(
                _("Another customer already logs in with this e-mail."),
                code="login_email_taken",
            )
    else:
        user = User(email=customer.email)
    user.first_name = customer.first_name
    user.last_name = customer.last_name
    user.language = customer.language
    return user, True


def _login_save(customer: Customer, user, *, password: str | None) -> None:
    """Activates and saves ``user`` as the customer's login, with ``password`` if
    given (a new login without one gets a random password nobody knows)."""
    if password is not None:
        user.set_password(password)
    elif user.pk is None or customer.user_id != user.pk:
        user.set_password(password_generate())
    user.is_active = True
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError(
            _("Another account already logs in with this e-mail."),
            code="login_email_taken",
        ) from error
    if customer.user_id != user.pk:
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])


def _customer_lock(customer: Customer) -> Customer:
    return (
        Customer.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=customer.pk)
    )


def _permission_check(actor, permission: str) -> None:
    """Staff ``actor`` must hold ``permission``; None is the system, which may."""
    if actor is not None and not actor.has_perm(permission):
        raise ValidationError(
            _("You are not allowed to do this: ask a manager."), code="permission"
        )


def _password_check(password: str, user) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error


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


def _staff_label(staff) -> str:
    return f"{staff} <{staff.email}>"


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


def _event_key(kind: str, customer: Customer, request_key: str) -> str:
    """``kind:customer:request_key``, the request key hashed if it is too long."""
    key = f"{kind}:{customer.pk}:{request_key}"
    if len(key) > EVENT_KEY_MAX_LENGTH:
        digest = hashlib.sha256(request_key.encode()).hexdigest()
        key = f"{kind}:{customer.pk}:sha256:{digest}"
    return key


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


def _impersonation_data(staff) -> dict:
    return {"staff_id": staff.pk, "staff_email": staff.email}


@transaction.atomic(durable=True)
def customer_impersonation_start(*, customer: Customer, staff):
    """Checks that ``staff`` may log in as the customer, records it, and returns the
    login to switch to."""
    if not (
        staff.is_authenticated
        and staff.is_active
        and staff.is_staff
        and staff.has_perm("customers.impersonate_customer")
    ):
        raise ValidationError(
            _("You are not allowed to log in as a customer."), code="permission"
        )
    customer = _customer_lock(customer)
    user = customer.user
    if user is None or not user.is_active:
        raise ValidationError(
            _("This customer cannot log in: enable their login first."),
            code="no_login",
        )
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            _("You cannot log in as a staff account."), code="staff_login"
        )
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.IMPERSONATION_STARTED,
        actor=staff,
        detail=f"{staff} <{staff.email}>",
        data=_impersonation_data(staff),
    )
    return user


@transaction.atomic(durable=True)
def customer_impersonation_end(*, customer: Customer, staff) -> CustomerEvent:
    """Records that ``staff`` stopped logging in as the customer."""
    return customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.IMPERSONATION_ENDED,
        actor=staff,
        detail=f"{staff} <{staff.email}>" if staff is not None else "",
        data=_impersonation_data(staff) if staff is not None else {},
    )
