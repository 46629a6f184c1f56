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
