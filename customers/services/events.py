from __future__ import annotations

from customers.models import Customer, CustomerEvent


def customer_event_record(
    *,
    customer: Customer,
    kind: CustomerEvent.Kind | str,
    actor=None,
    detail: str = "",
    data: dict | None = None,
) -> CustomerEvent:
    """Records that something happened with a customer (shown in the timeline).

    ``actor`` is the user who did it (staff, the customer, or None for the system);
    ``detail`` a short human text (a list's name, a tag's name); ``data`` anything
    JSON-serialisable a later reader may need.
    """
    return CustomerEvent.objects.create(
        customer=customer,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=detail[:500],
        data=data or {},
    )


def acting_as_customer(*, customer: Customer, actor) -> bool:
    """Whether ``actor`` is someone other than the customer's own login: staff
    logged in as the customer (views pass ``core.impersonation.acting_user``)."""
    return actor is not None and actor.is_authenticated and actor.pk != customer.user_id


def customer_area_write_record(
    *, customer: Customer, actor, detail: str, data: dict | None = None
) -> CustomerEvent | None:
    """Records a customer-area write that has no event of its own (a cart line, an
    address, a support request...) when staff made it as the customer.

    The customer's own writes are not recorded here: the rows they change are the
    record. Call it inside the write's transaction, with the view's actor.
    """
    if not acting_as_customer(customer=customer, actor=actor):
        return None
    return customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.STAFF_AS_CUSTOMER,
        actor=actor,
        detail=detail,
        data={**(data or {}), "as_customer": True},
    )
