"""Who referred whom: a referral link's attribution and the staff's changes.

First referrer wins: a customer has one ``Referral`` row, recorded at sign-up (or
before a first order) from the link's cookie; only staff change it afterwards,
and every change is a ``ReferralEvent`` with who and when.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.automation_events import automation_event_send
from customers.models import Customer
from referrals.events import referral_signed_up_publish
from referrals.models import Referral, ReferralEvent, ReferralSettings
from referrals.selectors import referrer_allowed
from referrals.services.codes import code_find
from selling.models import Order

MOMENTS = ("signup", "order")


def _same_person(referrer: Customer, referred: Customer) -> bool:
    """The same card, or the same e-mail address in another letter case."""
    if referrer.pk == referred.pk:
        return True
    a, b = (referrer.email or "").strip(), (referred.email or "").strip()
    return bool(a) and a.casefold() == b.casefold()


def _self_refused() -> ValidationError:
    return ValidationError(
        _("A customer cannot be referred by themselves."), code="self_referral"
    )


def _user_label(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.email)[:150]


@transaction.atomic(durable=True)
def referral_attach(*, referred: Customer, code: str, moment: str) -> Referral:
    """Records that ``referred`` came through the link of ``code``.

    ``moment`` is "signup" or "order" (a customer who never paid an order, about
    to place one). Refused, changing nothing: an unknown code or a referrer the
    settings do not allow, the customer themselves, a customer already referred
    (the first referrer wins), a customer who already paid an order.
    """
    if moment not in MOMENTS:
        raise ValueError(f"Unknown moment {moment!r}.")
    found = code_find(code)
    if found is None:
        raise ValidationError(
            _("This referral link is not valid."), code="unknown_code"
        )
    referrer = found.customer
    if _same_person(referrer, referred):
        raise _self_refused()
    if Referral.objects.filter(referred=referred).exists():
        raise ValidationError(
            _("This customer was already referred."), code="already_referred"
        )
    if (
        moment == "order"
        and Order.objects.filter(customer=referred, paid_at__isnull=False).exists()
    ):
        raise ValidationError(_("Only a new customer can be referred."), code="not_new")
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                referred=referred, referrer=referrer, source=Referral.Source.LINK
            )
    except IntegrityError:
        # The same customer attributed at the same moment by another request.
        raise ValidationError(
            _("This customer was already referred."), code="already_referred"
        ) from None
    ReferralEvent.objects.create(
        referral=referral,
        kind=ReferralEvent.Kind.CREATED,
        referrer=referrer,
        source=Referral.Source.LINK,
    )
    automation_event_send(
        "referral.signed_up",
        customer_id=referrer.pk,
        entry_key=f"referral.signed_up:{referral.pk}",
        payload={"referral_id": referral.pk, "referred_id": referred.pk},
    )
    referral_signed_up_publish(referral)
    return referral


@transaction.atomic(durable=True)
def referral_referrer_set(
    *, customer_id: int, referrer_id: int | None, user
) -> Referral | None:
    """Staff set (or remove, with ``None``) who referred the customer.

    Recorded as an event with the staff member and the time. The commissions
    already created stay with the referrer who earned them; later orders count
    for the new one. The same customer, or one with the same e-mail, is refused,
    and so is a referrer the settings do not allow.
    """
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError(_("This customer does not exist."), code="no_customer")
    referrer = None
    if referrer_id is not None:
        referrer = Customer.objects.filter(pk=referrer_id).first()
        if referrer is None:
            raise ValidationError(
                {"referrer": _("This customer does not exist.")}, code="no_customer"
            )
        if _same_person(referrer, customer):
            raise ValidationError({"referrer": _self_refused()})
        if not referrer_allowed(referrer, ReferralSettings.load()):
            raise ValidationError(
                {
                    "referrer": _(
                        "This customer may not refer others (see the referral "
                        "settings)."
                    )
                },
                code="not_allowed",
            )
    referral = Referral.objects.filter(referred=customer).first()
    previous = referral.referrer if referral is not None else None
    if (previous.pk if previous else None) == (referrer.pk if referrer else None):
        return referral
    if referral is None:
        if referrer is None:
            return None
        referral = Referral.objects.create(
            referred=customer, referrer=referrer, source=Referral.Source.STAFF
        )
        kind = ReferralEvent.Kind.CREATED
    else:
        referral.referrer = referrer
        referral.save(update_fields=["referrer"])
        kind = (
            ReferralEvent.Kind.REMOVED
            if referrer is None
            else ReferralEvent.Kind.CHANGED
        )
    ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        previous_referrer=previous,
        referrer=referrer,
        source=Referral.Source.STAFF,
        actor=user,
        actor_label=_user_label(user),
    )
    return referral
