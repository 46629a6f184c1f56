"""What the login services share: the generated password, the checks, the lock and
the sent-log keys."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.models import SentEmail
from customers.models import Customer

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


def _staff_label(staff) -> str:
    return f"{staff} <{staff.email}>"


def _event_key(kind: str, customer: Customer, request_key: str) -> str:
    """``kind:customer:request_key``, the request key hashed if it is too long."""
    key = f"{kind}:{customer.pk}:{request_key}"
    if len(key) > EVENT_KEY_MAX_LENGTH:
        digest = hashlib.sha256(request_key.encode()).hexdigest()
        key = f"{kind}:{customer.pk}:sha256:{digest}"
    return key
