"""Payout details: where a customer's withdrawals are paid, encrypted at rest.

The IBAN, the bank name and the PayPal e-mail are stored as Fernet tokens made with
``settings.PAYOUT_ENCRYPTION_KEY``. When that setting is empty a key is derived from
``SECRET_KEY`` (SHA-256, urlsafe base64): good enough for local development only,
as rotating ``SECRET_KEY`` then makes the stored details unreadable. Nothing here
logs the values.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from balance.models import BalanceSettings, PayoutDetails, PayoutDetailsChange
from core.services import email_queue, supported_language
from customers.models import Customer, CustomerEvent

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
    *,
    customer: Customer,
    account_holder: str,
    iban: str,
    paypal_email: str,
    bank_name: str = "",
    actor=None,
) -> PayoutDetails:
    """Validates and stores the customer's payout details (at least one way).

    ``bank_name`` goes with the IBAN; left blank it is found from the IBAN
    (schwifty's bank registry), and so it is when the IBAN changes while the bank
    name given is still the one the previous IBAN had.

    A change (of the IBAN, the PayPal e-mail, the holder or the bank) is recorded
    as a ``PayoutDetailsChange`` (timeline) and e-mailed to the customer at the
    addresses on file before it; saving the same details again changes nothing.
    ``actor`` is who saved them (the customer's login, or staff).
    """
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
    bank_name = " ".join((bank_name or "").split())[:200]
    if parsed is None and bank_name:
        raise ValidationError(
            {"bank_name": _("A bank needs an IBAN: enter the IBAN too.")},
            code="bank_without_iban",
        )
    compact = parsed.compact if parsed is not None else ""
    # One change at a time per customer, so "before" is what the change replaced.
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    before = payout_details_read(customer)
    if parsed is not None and (
        not bank_name
        or (compact != before["iban"] and bank_name == before["bank_name"])
    ):
        bank_name = _iban_bank_name(parsed) or bank_name
    after = {
        "account_holder": account_holder,
        "iban": compact,
        "bank_name": bank_name,
        "paypal_email": paypal_email,
    }
    changed = [
        name for name in PayoutDetailsChange.Field.values if before[name] != after[name]
    ]
    details = payout_details_get(customer)
    if details is not None and not changed:
        return details
    details, _created = PayoutDetails.objects.update_or_create(
        customer=customer,
        defaults={
            "account_holder": account_holder,
            "iban_encrypted": payout_encrypt(compact),
            "iban_last4": compact[-4:],
            "bank_name_encrypted": payout_encrypt(bank_name),
            "paypal_email_encrypted": payout_encrypt(paypal_email),
        },
    )
    if changed:
        _payout_change_record(
            customer=customer, before=before, after=after, changed=changed, actor=actor
        )
    return details


def _iban_bank_name(parsed: IBAN) -> str:
    """The bank schwifty's registry names for the IBAN, or ""."""
    try:
        bank = parsed.bank_name or getattr(parsed.bank, "name", "") or ""
    except SchwiftyException:
        return ""
    return " ".join(str(bank).split())[:200]


def _masked(values: dict) -> dict:
    """The display values of plain details, masked (what a change record keeps)."""
    iban = values.get("iban", "")
    email = values.get("paypal_email", "")
    return {
        "iban": _iban_masked(iban[:2], iban[-4:]) if iban else "",
        "paypal_email": _email_masked(email) if email else "",
        "account_holder": values.get("account_holder", ""),
        "bank_name": values.get("bank_name", ""),
    }


def _addresses_on_file(customer: Customer, since: datetime) -> list[str]:
    """The customer's address, and any they moved away from since ``since``: who
    changed both the e-mail and the IBAN must not be the only one told."""
    previous = (
        CustomerEvent.objects.filter(
            customer=customer,
            kind=CustomerEvent.Kind.PROFILE_UPDATED,
            created_at__gte=since,
            data__has_key="previous_email",
        )
        .order_by("created_at", "id")
        .values_list("data__previous_email", flat=True)
    )
    addresses = [customer.email, *(str(email) for email in previous)]
    return list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))


def actor_label(actor) -> str:
    """How a change or a view names the staff member or customer who made it."""
    if actor is None or not actor.is_authenticated:
        return ""
    name = actor.get_full_name()
    return f"{name} <{actor.email}>" if name else actor.email


def _payout_change_record(
    *, customer: Customer, before: dict, after: dict, changed: list[str], actor
) -> PayoutDetailsChange:
    review_hours = BalanceSettings.load().payout_change_review_hours
    since = timezone.now() - timedelta(hours=review_hours)
    addresses = _addresses_on_file(customer, since)
    change = PayoutDetailsChange.objects.create(
        customer=customer,
        fields=changed,
        before=_masked(before),
        after=_masked(after),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label(actor)[:300],
        notified_to=addresses,
    )
    language = supported_language(customer.language)
    with translation.override(language):
        context = {
            "name": customer.first_name,
            "changes": payout_change_lines(change),
            "when": formats.date_format(
                timezone.localtime(change.created_at), "DATETIME_FORMAT"
            ),
            "review_hours": review_hours,
        }
    for address in addresses:
        email_queue(
            event_key=f"balance.payout_details_changed:{change.pk}:{address}",
            to=address,
            template="balance_payout_details_changed",
            context=context,
            language=language,
        )
    return change


def payout_change_lines(change: PayoutDetailsChange) -> list[str]:
    """ "IBAN: IT•• •••• •••• 3456 → DE•• •••• •••• 3000", one per changed field,
    in the active language."""
    none = _("(none)")
    labels = dict(PayoutDetailsChange.Field.choices)
    return [
        _("%(field)s: %(before)s → %(after)s")
        % {
            "field": labels.get(name, name),
            "before": change.before.get(name) or none,
            "after": change.after.get(name) or none,
        }
        for name in change.fields
    ]


def payout_change_describe(change: PayoutDetailsChange) -> str:
    """The change in one sentence, for staff: when, by whom, what."""
    when = formats.date_format(
        timezone.localtime(change.created_at), "SHORT_DATETIME_FORMAT"
    )
    return _("Payout details changed on %(when)s by %(who)s: %(changes)s.") % {
        "when": when,
        "who": change.actor_label or _("the system"),
        "changes": "; ".join(payout_change_lines(change)),
    }


def payout_change_recent(
    customer_id: int, *, hours: int | None = None
) -> PayoutDetailsChange | None:
    """The customer's latest payout details change within ``hours`` (by default the
    settings' ``payout_change_review_hours``), or None."""
    if hours is None:
        hours = BalanceSettings.load().payout_change_review_hours
    return (
        PayoutDetailsChange.objects.filter(
            customer_id=customer_id,
            created_at__gte=timezone.now() - timedelta(hours=hours),
        )
        .order_by("-created_at", "-id")
        .first()
    )


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
        "bank_name": payout_decrypt(details.bank_name_encrypted),
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
        "bank_name_encrypted": details.bank_name_encrypted,
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
    # Shown like the holder, masked or not; requests made before the bank name was
    # encrypted kept it in clear.
    bank_name = payout_decrypt(snapshot.get("bank_name_encrypted", "")) or snapshot.get(
        "bank_name", ""
    )
    return {
        "iban": iban_text,
        "bank_name": bank_name,
        "account_holder": snapshot.get("account_holder", ""),
        "paypal_email": email_text,
    }
