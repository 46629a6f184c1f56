"""What expirations add to the backoffice: the card tab, the customer list's "Call
date" column, the dashboard widgets, the report in the staff menu, the settings page
and the built-in roles' permissions. Called from ``ExpirationsConfig.ready()``."""

from __future__ import annotations

import django_tables2 as tables
from django.apps import apps
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from core import plugins
from expirations.widgets import todo_today_context, upcoming_renewals_context

VIEW = "expirations.view_expiration"


class CallDateColumn(tables.DateTimeColumn):
    """Sorted with the customers never called last, whichever the direction.

    It sorts by ``Customer.last_call_at``, stored by the customers app's action
    services, and each direction reads its own index of it (a page of the list at a
    million customers is an index scan, not a sort).
    """

    def order(self, queryset, is_descending):
        when = F("last_call_at")
        when = (
            when.desc(nulls_last=True) if is_descending else when.asc(nulls_last=True)
        )
        return queryset.order_by(when, "-pk" if is_descending else "pk"), True


def make_call_date_column():
    return CallDateColumn(
        verbose_name=_("Call date"),
        accessor="list_call_date",
        format="SHORT_DATE_FORMAT",
    )


def annotate_call_date(queryset):
    """The customer's last call (the stored ``last_call_at``), read by the list's
    one query: the list loads only the fields it shows, so the column names it."""
    return queryset.annotate(list_call_date=F("last_call_at"))


def register() -> None:
    plugins.customer_tabs.register(
        plugins.CustomerTab(
            "expirations",
            _("Expirations"),
            "expirations:staff_tab",
            permission=VIEW,
            order=70,
        )
    )
    plugins.customer_columns.register(
        plugins.CustomerColumn(
            "call_date",
            make_call_date_column,
            annotate=annotate_call_date,
            permission="customers.view_customer",
            order=70,
        )
    )
    plugins.dashboard_widgets.register(
        plugins.DashboardWidget(
            "expirations_upcoming",
            _("Upcoming renewals"),
            "expirations/staff/widget_upcoming.html",
            upcoming_renewals_context,
            permission=VIEW,
            order=20,
            # Four columns (expiry, customer, service, amount) need the whole row.
            wide=True,
        )
    )
    plugins.dashboard_widgets.register(
        plugins.DashboardWidget(
            "todo_today",
            _("To do today"),
            "expirations/staff/widget_todo.html",
            todo_today_context,
            permission="customers.view_customer",
            order=15,
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "expirations.report",
            _("Expirations report"),
            "expirations:report",
            permission=VIEW,
            order=70,
            # The report is a preset of the report builder: gone with it.
            shown=lambda request: apps.is_installed("reports"),
            group=plugins.STAFF_MENU_REPORTS,
        )
    )
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "expirations",
            _("Expirations"),
            "expirations:staff_settings",
            permission="expirations.change_expirationsettings",
            order=70,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "expirations.staff",
            "Staff",
            (
                "expirations.view_expiration",
                "expirations.add_expiration",
                "expirations.change_expiration",
                "expirations.view_expirationevent",
                "expirations.view_provenance",
                "expirations.view_bankinstitute",
            ),
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "expirations.manager",
            "Manager",
            (
                "expirations.view_expiration",
                "expirations.add_expiration",
                "expirations.change_expiration",
                "expirations.delete_expiration",
                "expirations.view_expirationevent",
                "expirations.view_provenance",
                "expirations.add_provenance",
                "expirations.change_provenance",
                "expirations.view_bankinstitute",
                "expirations.add_bankinstitute",
                "expirations.change_bankinstitute",
                "expirations.view_expirationsettings",
                "expirations.change_expirationsettings",
            ),
        )
    )
