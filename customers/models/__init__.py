"""The customers app's models, one module per part of the card."""

from customers.models.addresses import ShippingAddress
from customers.models.bulk import BulkJob
from customers.models.customer import Customer
from customers.models.devices import PushDevice
from customers.models.history import (
    ActionAttachment,
    CustomerAction,
    CustomerEvent,
    SupportRequest,
)
from customers.models.imports import ImportJob, ImportRowError
from customers.models.marketing import NewsletterList, Subscription, Tag

__all__ = [
    "ActionAttachment",
    "BulkJob",
    "Customer",
    "CustomerAction",
    "CustomerEvent",
    "ImportJob",
    "ImportRowError",
    "NewsletterList",
    "PushDevice",
    "ShippingAddress",
    "Subscription",
    "SupportRequest",
    "Tag",
]
