"""Payout details: where a customer's withdrawals are paid, encrypted at rest.

The IBAN and the PayPal e-mail are stored as Fernet tokens made with
``settings.PAYOUT_ENCRYPTION_KEY``. When that setting is empty a key is derived from
``SECRET_KEY`` (SHA-256, urlsafe base64): good enough for local development only,
as rotating ``SECRET_KEY`` then makes the stored details unreadable. Nothing here
logs the values.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from balance.models import PayoutDetails
from customers.models import Customer

MASK = "•"


def _fernet() -> Fernet:
    key = settings.PAYOUT_ENCRYPTION_KEY
    if not key:
        # Local development only: see the module docstring.
        digest = hashlib.sha256(settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def payout_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def payout_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def _iban_clean(iban: str) -> IBAN | None:
    text = (iban or "").strip()
    if not text:
        return None
    try:
        return IBAN(text)
    except (SchwiftyException, ValueError):
        raise ValidationError(
            {
                "iban": _(
                    "This is not a valid IBAN: check the country code, the check "
                    "digits and the length (e.g. IT60 X054 2811 1010 0000 0123 456)."
                )
            },
            code="invalid_iban",
        ) from None


@transaction.atomic(durable=True)
def payout_details_save(
    *, customer: Customer, account_holder: str, iban: str, paypal_email: str
) -> PayoutDetails:
    """Validates and stores the customer's payout details (at least one way)."""
    account_holder = (account_holder or "").strip()
    paypal_email = (paypal_email or "").strip().lower()
    parsed = _iban_clean(iban)
    if paypal_email:
        try:
            validate_email(paypal_email)
        except ValidationError:
            raise ValidationError(
                {"paypal_email": _("Enter a valid PayPal e-mail address.")},
                code="invalid_email",
            ) from None
    if parsed is None and not paypal_email:
        raise ValidationError(
            _("Enter an IBAN or a PayPal e-mail address."), code="required"
        )
    if parsed is not None and not account_holder:
        raise ValidationError(
            {"account_holder": _("Enter the name of the account holder.")},
            code="holder_required",
        )
    bank_name = ""
    if parsed is not None:
        try:
            bank_name = parsed.bank_name or ""
        except SchwiftyException:
            bank_name = ""
    compact = parsed.compact if parsed is not None else ""
    details, _created = PayoutDetails.objects.update_or_create(
        customer=customer,
        defaults={
            "account_holder": account_holder,
            "iban_encrypted": payout_encrypt(compact),
            "iban_last4": compact[-4:],
            "bank_name": bank_name[:200],
            "paypal_email_encrypted": payout_encrypt(paypal_email),
        },
    )
    return details


def payout_details_get(customer: Customer) -> PayoutDetails | None:
    return PayoutDetails.objects.filter(customer=customer).first()


def payout_details_read(customer: Customer) -> dict:
    """The owner's details in clear (empty strings when none are saved)."""
    details = payout_details_get(customer)
    if details is None:
        return {"account_holder": "", "iban": "", "bank_name": "", "paypal_email": ""}
    return {
        "account_holder": details.account_holder,
        "iban": payout_decrypt(details.iban_encrypted),
        "bank_name": details.bank_name,
        "paypal_email": payout_decrypt(details.paypal_email_encrypted),
    }


def payout_snapshot(customer: Customer) -> dict:
    """What a withdrawal request keeps: the encrypted tokens, never plaintext."""
    details = payout_details_get(customer)
    if details is None:
        return {}
    return {
        "account_holder": details.account_holder,
        "iban_encrypted": details.iban_encrypted,
        "iban_last4": details.iban_last4,
        "bank_name": details.bank_name,
        "paypal_email_encrypted": details.paypal_email_encrypted,
    }


def _iban_grouped(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _iban_masked(country: str, last4: str) -> str:
    return f"{country}{MASK * 2} {MASK * 4} {MASK * 4} {last4}"


def _email_masked(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


def payout_display(details_snapshot: dict, *, unmasked: bool) -> dict:
    """Display strings for a snapshot: IBAN, bank, holder and PayPal e-mail.

    Masked ("IT•• •••• •••• 1234", "m•••@example.com") unless ``unmasked``, which
    only staff with ``balance.view_payout_details_unmasked`` may ask for.
    """
    snapshot = details_snapshot or {}
    iban = payout_decrypt(snapshot.get("iban_encrypted", ""))
    email = payout_decrypt(snapshot.get("paypal_email_encrypted", ""))
    if unmasked:
        iban_text = _iban_grouped(iban)
        email_text = email
    else:
        last4 = snapshot.get("iban_last4", "") or iban[-4:]
        iban_text = _iban_masked(iban[:2], last4) if iban or last4 else ""
        email_text = _email_masked(email) if email else ""
    return {
        "iban": iban_text,
        "bank_name": snapshot.get("bank_name", ""),
        "account_holder": snapshot.get("account_holder", ""),
        "paypal_email": email_text,
    }
