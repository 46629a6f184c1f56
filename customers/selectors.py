from django.db.models import QuerySet

from core import plugins
from customers.models import Customer


def customer_list_queryset(user) -> QuerySet[Customer]:
    """Customers as the staff list shows them, with what registered columns need."""
    queryset = (
        Customer.objects.select_related("user")
        .only(
            "first_name",
            "last_name",
            "email",
            "phone",
            "created_at",
            "user__is_active",
        )
        .prefetch_related("tags")
    )
    for entry in plugins.customer_columns.visible_to(user):
        if entry.annotate is not None:
            queryset = entry.annotate(queryset)
    return queryset


def customer_sidebar(user, customer: Customer) -> list[dict]:
    return [
        {"label": figure.label, "value": figure.value(customer), "key": figure.key}
        for figure in plugins.customer_sidebar.visible_to(user)
    ]


def customer_tabs(user) -> list[plugins.CustomerTab]:
    return plugins.customer_tabs.visible_to(user)


def customer_last_activity(customer: Customer):
    """The latest staff action or event of the customer: ``(when, title)`` or None."""
    from customers.models import CustomerAction, CustomerEvent

    action = (
        CustomerAction.objects.filter(customer=customer)
        .order_by("-created_at", "-id")
        .only("title", "created_at")
        .first()
    )
    event = (
        CustomerEvent.objects.filter(customer=customer)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .only("kind", "created_at", "actor")
        .first()
    )
    candidates = []
    if action is not None:
        candidates.append((action.created_at, action.title))
    if event is not None:
        candidates.append((event.created_at, event.title))
    return max(candidates, key=lambda item: item[0]) if candidates else None


def import_jobs_of(user) -> QuerySet:
    """The CSV imports a member of staff started, newest first (import area)."""
    from customers.models import ImportJob

    return ImportJob.objects.filter(created_by=user).order_by("-created_at", "-id")
