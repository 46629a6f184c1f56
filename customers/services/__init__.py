"""Writes on customers that carry a business rule, one module per area.

The profile services are re-exported here because everything uses them.
"""

from customers.services.events import customer_event_record
from customers.services.profile import (
    customer_create,
    customer_email_taken,
    customer_login_set_password,
    customer_update,
    login_email_change_allowed,
    normalize_email,
)

__all__ = [
    "customer_create",
    "customer_email_taken",
    "customer_event_record",
    "customer_login_set_password",
    "customer_update",
    "login_email_change_allowed",
    "normalize_email",
]
