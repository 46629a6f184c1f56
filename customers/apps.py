from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from core import plugins
        from customers.automation import register as register_automation

        # Funnels: the customer's triggers (created, tags, lists), actions and
        # conditions.
        register_automation()
        from customers.reports import register as register_reports

        # The reports engine's "customers" source (new customers).
        register_reports()

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
        # login: the "Login and access" tab and the sidebar figures
        from customers.views.login import sidebar_last_action, sidebar_origin

        plugins.customer_tabs.register(
            plugins.CustomerTab(
                "login",
                pgettext_lazy("customer card tab", "Login and access"),
                "customers:login",
                order=30,
            )
        )
        plugins.customer_sidebar.register(
            plugins.SidebarFigure(
                "last_action", _("Last action"), sidebar_last_action, order=10
            )
        )
        plugins.customer_sidebar.register(
            plugins.SidebarFigure("origin", _("Origin"), sidebar_origin, order=90)
        )
        # history: the Action history tab and its timeline sources, support and push
        # devices in the sidebar, the profile pages of the customer area, logins
        from django.contrib.auth.signals import user_logged_in

        from customers import timeline
        from customers.services.history import customer_login_record
        from customers.views.account import language_remember

        plugins.customer_tabs.register(
            plugins.CustomerTab(
                "history",
                pgettext_lazy("customer card tab", "Action history"),
                "customers:history",
                order=50,
            )
        )
        for source in (
            plugins.TimelineSource(
                "events", _("Account events"), timeline.customer_event_source, order=10
            ),
            plugins.TimelineSource(
                "actions", _("Actions"), timeline.customer_action_source, order=20
            ),
            plugins.TimelineSource(
                "support",
                _("Support requests"),
                timeline.support_request_source,
                order=30,
            ),
        ):
            plugins.timeline_sources.register(source)
        plugins.customer_sidebar.register(
            plugins.SidebarFigure(
                "support_requests",
                _("Support requests"),
                timeline.support_requests_figure,
                order=50,
            )
        )
        plugins.customer_sidebar.register(
            plugins.SidebarFigure(
                "push_devices",
                _("Push devices"),
                timeline.push_devices_figure,
                order=60,
            )
        )
        profile = plugins.ACCOUNT_MENU_PROFILE
        for key, label, url_name, order, group in (
            ("profile", _("Profile"), "account:profile", 10, profile),
            ("addresses", _("Addresses"), "account:addresses", 20, profile),
            ("newsletters", _("Newsletters"), "account:newsletters", 30, profile),
            ("password", _("Password"), "account:password", 40, profile),
            ("support", _("Support"), "account:support", 90, None),
        ):
            plugins.account_menu.register(
                plugins.MenuEntry(key, label, url_name, order=order, group=group)
            )
        for group in ("Staff", "Manager"):
            plugins.role_permissions.register(
                plugins.RolePermissions(
                    f"customers.history.{group.lower()}",
                    group,
                    (
                        "customers.add_customeraction",
                        "customers.change_customeraction",
                        "customers.delete_customeraction",
                        "customers.change_supportrequest",
                    ),
                )
            )
        plugins.language_choices.register(
            plugins.LanguageChoice("customers.language", language_remember)
        )
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: customer_login_record(
                user=user, request=request
            ),
            weak=False,
            dispatch_uid="customers.history.login_record",
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
                    "customers.set_customer_password",
                    "customers.enable_customer_login",
                    "customers.send_customer_credentials",
                    "customers.change_customer_login_email",
                ),
            )
        )
        # list: the Marketing and Billing tabs, the settings pages, bulk actions
        import customers.bulk_tasks  # noqa: F401 (registers the bulk task)
        from customers.filters import customers_matching
        from customers.views.staff import card_context

        # What other apps may ask of the list and the card (core.plugins hooks).
        plugins.customer_list_queries.register(
            plugins.CustomerListQuery("list_filters", customers_matching)
        )
        plugins.customer_card_pages.register(
            plugins.CustomerCardPage(
                "card", card_context, template_name="customers/card_base.html"
            )
        )

        plugins.customer_tabs.register(
            plugins.CustomerTab(
                "billing", _("Billing and shipping"), "customers:billing", order=20
            )
        )
        plugins.customer_tabs.register(
            plugins.CustomerTab(
                "marketing", _("Marketing"), "customers:marketing", order=40
            )
        )
        plugins.settings_pages.register(
            plugins.MenuEntry(
                "customer_tags",
                _("Customer tags"),
                "customers:settings_tags",
                permission="customers.view_tag",
                order=10,
            )
        )
        plugins.settings_pages.register(
            plugins.MenuEntry(
                "newsletter_lists",
                _("Newsletter lists"),
                "customers:settings_lists",
                permission="customers.view_newsletterlist",
                order=20,
            )
        )
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "customers.list.staff",
                "Staff",
                ("customers.view_tag", "customers.view_newsletterlist"),
            )
        )
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "customers.list.manager",
                "Manager",
                tuple(
                    f"customers.{verb}_{model}"
                    for model in ("tag", "newsletterlist")
                    for verb in ("view", "add", "change", "delete")
                ),
            )
        )
