"""What the balance adds to the staff pages of other apps: card tab, sidebar
figure, customer-list column and filter, staff menu entry."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from balance.models import Entry
from core import plugins
from core.money import money_format


class BalanceColumn(tables.Column):
    def render(self, value):
        return money_format(value)


def make_balance_column():
    # The balance is stored on the customer row: no join, sortable by its index.
    return BalanceColumn(
        verbose_name=_("Balance"),
        accessor="list_balance",
        order_by=("balance", "pk"),
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )


def annotate_balance(queryset):
    # The list loads only some fields: read the balance in the same query.
    return queryset.annotate(list_balance=F("balance"))


def _amount_filter(lookup: str, label):
    return django_filters.NumberFilter(
        field_name="balance",
        lookup_expr=lookup,
        label=label,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


def make_balance_gt_filter():
    return _amount_filter("gt", _("Balance greater than"))


def make_balance_lt_filter():
    return _amount_filter("lt", _("Balance less than"))


def sidebar_balance(customer) -> str:
    last = (
        Entry.objects.filter(customer_id=customer.pk)
        .order_by("-created_at", "-id")
        .only("amount", "kind", "created_at")
        .first()
    )
    text = money_format(customer.balance)
    if last is None:
        return text
    return _("%(balance)s (last: %(amount)s, %(kind)s)") % {
        "balance": text,
        "amount": f"{'+' if last.amount > 0 else '−'}{money_format(abs(last.amount))}",
        "kind": last.get_kind_display(),
    }


def register() -> None:
    plugins.customer_tabs.register(
        plugins.CustomerTab(
            "balance",
            _("Balance"),
            "balance:tab",
            permission="balance.view_entry",
            order=60,
        )
    )
    plugins.customer_sidebar.register(
        plugins.SidebarFigure(
            "balance", _("Balance"), sidebar_balance, permission="balance.view_entry"
        )
    )
    plugins.customer_columns.register(
        plugins.CustomerColumn(
            "balance",
            make_balance_column,
            annotate=annotate_balance,
            permission="balance.view_entry",
            order=60,
        )
    )
    plugins.customer_filters.register(
        plugins.CustomerFilter(
            "balance_gt",
            make_balance_gt_filter,
            permission="balance.view_entry",
            order=60,
        )
    )
    plugins.customer_filters.register(
        plugins.CustomerFilter(
            "balance_lt",
            make_balance_lt_filter,
            permission="balance.view_entry",
            order=61,
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "balance.withdrawals",
            _("Withdrawals"),
            "balance:withdrawals",
            permission="balance.view_withdrawal",
            order=60,
            group=plugins.STAFF_MENU_CREDITS,
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "balance.gifts",
            _("Periodic gifts"),
            "balance:gifts",
            permission="balance.view_gift",
            order=61,
            group=plugins.STAFF_MENU_CREDITS,
        )
    )
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "balance",
            _("Balance"),
            "balance:settings",
            permission="balance.change_balancesettings",
            order=60,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "balance.manager_settings",
            "Manager",
            ("balance.view_balancesettings", "balance.change_balancesettings"),
        )
    )
