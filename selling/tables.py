"""Tables of the backoffice's product and order lists (on the shared StaffTable)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.money import money_format
from core.tables import StaffTable
from selling.models import Order, Product
from selling.payments import payment_method_get

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


def payment_method_label(key: str) -> str:
    method = payment_method_get(key)
    return str(method.label) if method else key


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return money_format(value)


class ProductTable(StaffTable):
    name = tables.Column(
        verbose_name=_("Name"),
        linkify=("selling:staff_product_edit", {"pk": tables.A("pk")}),
    )
    price = MoneyColumn(verbose_name=_("Price"))
    renewal = tables.Column(
        verbose_name=_("Renewal period"),
        accessor="renewal_period",
        order_by=("renewal_unit", "renewal_period", "name"),
        empty_values=(),
    )
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta(StaffTable.Meta):
        model = Product
        fields = ("name", "price", "renewal", "is_active")
        order_by = ("name",)
        empty_text = _("No products.")

    def __init__(self, *args, can_edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit:
            self.columns["name"].link = None

    def render_renewal(self, record):
        return record.renewal_period_text or "—"


STATUS_BADGES: dict[str, str] = {
    Order.Status.PENDING: "badge-due",
    Order.Status.PAID: "badge-sent",
    Order.Status.CANCELLED: "badge-failed",
    Order.Status.REFUNDED: "badge-failed",
}


def status_badge_class(status: str) -> str:
    return STATUS_BADGES.get(status, "")


class StatusColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>',
            status_badge_class(value),
            value,
            record.get_status_display(),
        )


class OrderTable(StaffTable):
    """Orders, as the filters sort them (the columns are not sortable)."""

    number = tables.Column(
        verbose_name=_("Order"),
        accessor="pk",
        linkify=("selling:staff_order", {"pk": tables.A("pk")}),
    )
    placed_at = tables.DateTimeColumn(
        verbose_name=_("Placed"), format="SHORT_DATETIME_FORMAT"
    )
    customer = tables.Column(
        verbose_name=_("Customer"),
        linkify=("customers:card", {"pk": tables.A("customer_id")}),
    )
    status = StatusColumn(verbose_name=_("Status"))
    payment_method = tables.Column(verbose_name=_("Payment method"))
    subtotal = MoneyColumn(verbose_name=_("Subtotal"))
    balance_discount = MoneyColumn(verbose_name=_("Balance discount"))
    total_due = MoneyColumn(verbose_name=_("Total due"))

    class Meta(StaffTable.Meta):
        model = Order
        fields = (
            "number",
            "placed_at",
            "customer",
            "status",
            "payment_method",
            "subtotal",
            "balance_discount",
            "total_due",
        )
        orderable = False
        empty_text = _("No orders.")

    def render_number(self, record):
        return record.number

    def render_payment_method(self, value):
        return payment_method_label(value)


class CustomerOrderTable(OrderTable):
    """The customer card's Orders tab: the same table without the customer."""

    class Meta(OrderTable.Meta):
        exclude = ("customer",)
