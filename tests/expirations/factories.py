"""Factories for the expirations tests (shared by every tests/expirations module).

Expirations made here skip the services (no "created" event): tests of the records
services create them through ``expiration_create`` instead.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from expirations.models import BankInstitute, Expiration, ExpirationEvent, Provenance
from tests.customers.factories import CustomerFactory
from tests.selling.factories import ProductFactory, ServiceProductFactory

__all__ = [
    "BankInstituteFactory",
    "ExpirationEventFactory",
    "ExpirationFactory",
    "ProductFactory",
    "ProvenanceFactory",
    "ServiceProductFactory",
]


class ProvenanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provenance
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Provenance {n}")


class BankInstituteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankInstitute
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Bank {n}")


class ExpirationFactory(factory.django.DjangoModelFactory):
    """A free-text item expiring in 60 days, started a year before.

    ``ExpirationFactory(product=ServiceProductFactory())`` for a catalog service
    (``item`` is then empty).
    """

    class Meta:
        model = Expiration

    customer = factory.SubFactory(CustomerFactory)
    product = None
    item = factory.LazyAttributeSequence(
        lambda o, n: "" if o.product is not None else f"Support contract {n}"
    )
    quantity = 1
    amount = Decimal("120.00")
    expiry_date = factory.LazyFunction(
        lambda: timezone.localdate() + timedelta(days=60)
    )
    start_date = factory.LazyAttribute(lambda o: o.expiry_date - timedelta(days=365))
    anchor_day = factory.LazyAttribute(lambda o: o.expiry_date.day)


class ExpirationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpirationEvent

    expiration = factory.SubFactory(ExpirationFactory)
    customer = factory.SelfAttribute("expiration.customer")
    kind = ExpirationEvent.Kind.CREATED
    expiry_date = factory.SelfAttribute("expiration.expiry_date")
