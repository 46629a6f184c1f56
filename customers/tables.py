import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.tables import StaffTable
from customers.models import Customer


class CustomerTable(StaffTable):
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="last_name",
        order_by=("last_name", "first_name", "id"),
        linkify=("customers:card", {"pk": tables.A("pk")}),
    )
    email = tables.EmailColumn(verbose_name=_("E-mail"))
    phone = tables.Column(verbose_name=_("Phone"), orderable=False)
    login = tables.BooleanColumn(
        verbose_name=_("Login"), accessor="user__is_active", orderable=False
    )
    created_at = tables.DateTimeColumn(
        verbose_name=_("Registered"), format="SHORT_DATE_FORMAT"
    )

    class Meta(StaffTable.Meta):
        model = Customer
        fields = ("name", "email", "phone", "login", "created_at")
        order_by = ("-created_at",)

    def render_name(self, record):
        return record.full_name or "—"


def customer_table_class(user) -> type[CustomerTable]:
    """The customer table with the columns that apps registered for this user."""
    extra = {
        entry.key: entry.make_column()
        for entry in plugins.customer_columns.visible_to(user)
    }
    if not extra:
        return CustomerTable
    meta = type(
        "Meta",
        (CustomerTable.Meta,),
        {"sequence": (*CustomerTable.Meta.fields, *extra.keys())},
    )
    return type("PluggedCustomerTable", (CustomerTable,), {**extra, "Meta": meta})
