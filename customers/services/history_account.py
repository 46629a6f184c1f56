"""Writes a customer makes on their own profile in the customer area.

Billing data and shipping addresses use ``customers.services.billing``; newsletter
lists use ``customers.services.marketing`` with the source "by the customer", and
so does the unsubscribe link of marketing e-mails (``customer_unsubscribe_by_link``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerEvent, NewsletterList, Subscription
from customers.services.events import acting_as_customer, customer_event_record
from customers.services.login import customer_confirmation_send
from customers.services.marketing import (
    customer_newsletter_set,
    newsletter_list_subscribe,
    newsletter_list_unsubscribe,
)
from customers.services.profile import customer_update, normalize_email

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "mobile",
    "birth_date",
    "language",
)


@transaction.atomic(durable=True)
def customer_profile_update(*, customer: Customer, actor, **fields) -> Customer:
    """The customer changes their personal data (not their e-mail: see below).

    ``actor`` is who did it: the customer, or staff logged in as them.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    if fields.get("birth_date") and fields["birth_date"] > timezone.localdate():
        raise ValidationError(
            {"birth_date": _("The birth date cannot be in the future.")}
        )
    current = Customer.objects.get(pk=customer.pk)
    changed = [
        name for name, value in fields.items() if getattr(current, name) != value
    ]
    if not changed:
        return current
    customer = customer_update(
        customer=customer, **{name: fields[name] for name in changed}
    )
    if customer.user_id is not None and {"first_name", "last_name"} & set(changed):
        user = customer.user
        assert user is not None  # user_id is set
        user.first_name, user.last_name = customer.first_name, customer.last_name
        user.save(update_fields=["first_name", "last_name"])
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.PROFILE_UPDATED,
        actor=actor,
        detail=", ".join(
            str(cast(models.Field, Customer._meta.get_field(name)).verbose_name)
            for name in changed
        ),
        data={
            "fields": changed,
            "by": "customer",
            **(
                {"as_customer": True}
                if acting_as_customer(customer=customer, actor=actor)
                else {}
            ),
        },
    )
    return customer


def customer_email_change(
    *, customer: Customer, email: str, current_password: str, site_url: str
) -> Customer:
    """The customer moves their account to another e-mail address.

    Their current password is asked for; the login's e-mail follows, and the new
    address is unconfirmed: a confirmation request goes to it (``site_url`` is the
    site's root URL for the link).
    """
    customer, user = _email_change(
        customer=customer, email=email, current_password=current_password
    )
    customer_confirmation_send(
        customer=customer,
        actor=user,
        request_key=f"email-change:{customer.email}:{timezone.now().isoformat()}",
        site_url=site_url,
    )
    return customer


@transaction.atomic(durable=True)
def _email_change(*, customer: Customer, email: str, current_password: str):
    customer = Customer.objects.select_related("user").get(pk=customer.pk)
    user = customer.user
    if user is None or not user.check_password(current_password or ""):
        raise ValidationError(
            {"current_password": _("This is not your current password.")},
            code="wrong_password",
        )
    email = normalize_email(email)
    if email == normalize_email(customer.email):
        raise ValidationError(
            {"email": _("This is already your e-mail address.")}, code="unchanged"
        )
    previous = customer.email
    customer = customer_update(customer=customer, email=email, email_confirmed_at=None)
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.PROFILE_UPDATED,
        actor=user,
        detail=_("E-mail changed from %(old)s to %(new)s")
        % {"old": previous, "new": email},
        data={"fields": ["email"], "previous_email": previous, "by": "customer"},
    )
    return customer, user


@transaction.atomic(durable=True)
def customer_password_change(*, customer: Customer, password: str):
    """The customer chooses a new password (the password validators apply)."""
    user = Customer.objects.select_related("user").get(pk=customer.pk).user
    if user is None:
        raise ValidationError(_("This customer has no login."), code="no_login")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.error_list}) from error
    user.set_password(password)
    user.save(update_fields=["password"])
    customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.PASSWORD_SET,
        actor=user,
        detail=_("Changed by the customer"),
    )
    return user


@transaction.atomic(durable=True)
def customer_newsletters_choose(
    *,
    customer: Customer,
    newsletter_lists: Iterable[NewsletterList],
    newsletter_subscribed: bool,
    actor,
) -> Customer:
    """The customer's own choice of lists (the open ones) and of the newsletter.

    Lists not chosen are left; archived lists cannot be joined and are left alone.
    """
    chosen = {newsletter_list.pk for newsletter_list in newsletter_lists}
    open_lists = {
        newsletter_list.pk: newsletter_list
        for newsletter_list in NewsletterList.objects.filter(archived=False)
    }
    unknown = chosen - set(open_lists)
    if unknown:
        raise ValidationError(
            {"newsletter_lists": _("Choose among the lists shown.")},
            code="unknown_list",
        )
    active = set(
        Subscription.objects.filter(
            customer=customer, unsubscribed_at__isnull=True
        ).values_list("newsletter_list_id", flat=True)
    )
    for pk, newsletter_list in open_lists.items():
        if pk in chosen and pk not in active:
            newsletter_list_subscribe(
                newsletter_list=newsletter_list,
                customer_ids=[customer.pk],
                actor=actor,
                source=Subscription.Source.CUSTOMER,
            )
        elif pk not in chosen and pk in active:
            newsletter_list_unsubscribe(
                newsletter_list=newsletter_list,
                customer_ids=[customer.pk],
                actor=actor,
                source=Subscription.Source.CUSTOMER,
            )
    return customer_newsletter_set(
        customer=customer, subscribed=newsletter_subscribed, actor=actor
    )


@transaction.atomic(durable=True)
def customer_unsubscribe_by_link(
    *, customer: Customer, newsletter_list_id: int | None = None
) -> bool:
    """The customer's "no more of these e-mails" from the link (or the RFC 8058
    one-click POST) of a marketing e-mail: off the list the e-mail was sent for,
    else off the newsletter. Recorded on the timeline as the customer's own change
    (their login as the actor, if they have one; the source "by the customer").
    Returns whether anything changed: a second time, nothing does."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    actor = customer.user
    if newsletter_list_id is not None:
        newsletter_list = NewsletterList.objects.filter(pk=newsletter_list_id).first()
        if newsletter_list is None:  # the list is gone: it sends nothing more
            return False
        return bool(
            newsletter_list_unsubscribe(
                newsletter_list=newsletter_list,
                customer_ids=[customer.pk],
                actor=actor,
                source=Subscription.Source.CUSTOMER,
            )
        )
    if not customer.newsletter_subscribed:
        return False
    customer_newsletter_set(
        customer=customer,
        subscribed=False,
        actor=actor,
        source=Subscription.Source.CUSTOMER,
    )
    return True
