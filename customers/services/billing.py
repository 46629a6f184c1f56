"""Billing data and shipping addresses.

A customer with shipping addresses has exactly one default: the first address becomes
it, making another the default unsets the previous one in the same transaction, and
deleting the default hands the role to the oldest address left. The database
constraint ``customers_one_default_shipping_address`` guarantees "at most one".

The customer area passes its ``actor`` (``core.impersonation.acting_user``): when
staff logged in as the customer make the change, the timeline records who did it.
"""

from __future__ import annotations

from typing import cast

from django.db import models, transaction
from django.utils.translation import gettext as _

from customers.models import Customer, ShippingAddress
from customers.services.events import customer_area_write_record
from customers.services.profile import customer_update

BILLING_FIELDS = (
    "company_name",
    "vat_number",
    "fiscal_code",
    "billing_address",
    "billing_postal_code",
    "billing_city",
    "billing_region",
    "billing_country",
)

SHIPPING_FIELDS = (
    "label",
    "recipient",
    "address",
    "postal_code",
    "city",
    "region",
    "country",
    "phone",
)


@transaction.atomic
def customer_billing_update(*, customer: Customer, actor=None, **fields) -> Customer:
    """Changes the customer's billing data (and nothing else)."""
    unknown = set(fields) - set(BILLING_FIELDS)
    if unknown:
        raise ValueError(f"Not billing fields: {', '.join(sorted(unknown))}")
    if "billing_country" in fields:
        fields["billing_country"] = (fields["billing_country"] or "").upper()
    if not fields:
        return customer  # nothing changed: nothing saved, nothing recorded
    customer = customer_update(customer=customer, **fields)
    customer_area_write_record(
        customer=customer,
        actor=actor,
        detail=_("Billing data changed: %(fields)s")
        % {
            "fields": ", ".join(
                str(cast(models.Field, Customer._meta.get_field(name)).verbose_name)
                for name in fields
            )
        },
        data={"fields": list(fields)},
    )
    return customer


def _address_record(*, address: ShippingAddress, actor, detail: str) -> None:
    customer_area_write_record(
        customer=address.customer,
        actor=actor,
        detail=detail % {"address": address},
        data={"shipping_address": address.pk},
    )


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _default_move(*, customer: Customer, address: ShippingAddress) -> None:
    ShippingAddress.objects.filter(customer=customer, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)
    ShippingAddress.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True


@transaction.atomic
def shipping_address_create(
    *, customer: Customer, make_default: bool = False, actor=None, **fields
) -> ShippingAddress:
    """Adds a shipping address; the customer's first one is the default."""
    customer = _lock_customer(customer)
    address = ShippingAddress(
        customer=customer,
        **{name: value for name, value in fields.items() if name in SHIPPING_FIELDS},
    )
    address.country = (address.country or "").upper()
    address.full_clean(exclude=["customer", "is_default"])
    address.save()
    first = not customer.shipping_addresses.exclude(pk=address.pk).exists()
    if make_default or first:
        _default_move(customer=customer, address=address)
    _address_record(
        address=address, actor=actor, detail=_("Shipping address added: %(address)s")
    )
    return address


@transaction.atomic
def shipping_address_update(
    *,
    shipping_address: ShippingAddress,
    make_default: bool = False,
    actor=None,
    **fields,
) -> ShippingAddress:
    _lock_customer(shipping_address.customer)
    for name, value in fields.items():
        if name not in SHIPPING_FIELDS:
            raise ValueError(f"Not a shipping address field: {name}")
        setattr(shipping_address, name, value)
    shipping_address.country = (shipping_address.country or "").upper()
    shipping_address.full_clean(exclude=["customer", "is_default"])
    shipping_address.save()
    if make_default and not shipping_address.is_default:
        _default_move(customer=shipping_address.customer, address=shipping_address)
    _address_record(
        address=shipping_address,
        actor=actor,
        detail=_("Shipping address changed: %(address)s"),
    )
    return shipping_address


@transaction.atomic
def shipping_address_set_default(
    *, shipping_address: ShippingAddress, actor=None
) -> ShippingAddress:
    """Makes this the default address; the previous default becomes an ordinary one."""
    _lock_customer(shipping_address.customer)
    _default_move(customer=shipping_address.customer, address=shipping_address)
    _address_record(
        address=shipping_address,
        actor=actor,
        detail=_("Default shipping address: %(address)s"),
    )
    return shipping_address


@transaction.atomic
def shipping_address_delete(*, shipping_address: ShippingAddress, actor=None) -> None:
    """Deletes an address; if it was the default, the oldest one left takes over."""
    customer = _lock_customer(shipping_address.customer)
    was_default = ShippingAddress.objects.filter(
        pk=shipping_address.pk, is_default=True
    ).exists()
    _address_record(
        address=shipping_address,
        actor=actor,
        detail=_("Shipping address deleted: %(address)s"),
    )
    shipping_address.delete()
    if was_default:
        successor = customer.shipping_addresses.order_by("created_at", "pk").first()
        if successor is not None:
            _default_move(customer=customer, address=successor)
