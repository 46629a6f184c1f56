"""Staff acting as a customer: its start and end, on the customer's timeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record
from customers.services.login.common import (
    _customer_lock,
)


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
