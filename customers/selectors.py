from django.db.models import QuerySet

from core import plugins
from customers.models import Customer


def customer_list_queryset(user) -> QuerySet[Customer]:
    """Customers as the staff list shows them, with what registered columns need."""
    queryset = Customer.objects.select_related("user").only(
        "first_name",
        "last_name",
        "email",
        "phone",
        "created_at",
        "user__is_active",
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
