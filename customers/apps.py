from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from core import plugins

        plugins.staff_menu.register(
            plugins.MenuEntry(
                "customers",
                _("Customers"),
                "customers:list",
                permission="customers.view_customer",
                order=10,
            )
        )
        plugins.customer_tabs.register(
            plugins.CustomerTab(
                "personal", _("Personal data"), "customers:card", order=0
            )
        )
        from customers.widgets import new_customers_context

        plugins.dashboard_widgets.register(
            plugins.DashboardWidget(
                "new_customers",
                _("New customers"),
                "customers/widgets/new_customers.html",
                new_customers_context,
                permission="customers.view_customer",
                order=10,
            )
        )
        plugins.account_menu.register(
            plugins.MenuEntry("home", _("Home"), "account:home", order=0)
        )
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "customers.staff",
                "Staff",
                (
                    "customers.view_customer",
                    "customers.add_customer",
                    "customers.change_customer",
                ),
            )
        )
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "customers.manager",
                "Manager",
                (
                    "customers.view_customer",
                    "customers.add_customer",
                    "customers.change_customer",
                    "customers.delete_customer",
                    "customers.export_customer",
                    "customers.import_customer",
                    "customers.impersonate_customer",
                ),
            )
        )
