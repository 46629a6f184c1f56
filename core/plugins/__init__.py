"""Plug-in points: small, explicit registries that apps fill in ``AppConfig.ready()``.

``customers`` is the hub; ``balance``, ``expirations``, selling and ``automation``
plug into it by registering entries here, never by being imported by it. Removing
an app from ``INSTALLED_APPS`` removes its entries and leaves everything else working.

Every entry has a ``key`` (unique in its registry), an ``order`` (lower first)
and, where it shows something to staff, an optional ``permission``
("app_label.codename").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.plugins.automation import (
    AutomationAction,
    AutomationActionRefused,
    AutomationActionSkipped,
    AutomationCall,
    AutomationCondition,
    AutomationContext,
    AutomationOutcome,
    AutomationShortcode,
    AutomationTrigger,
    NewsletterConsent,
    TriggerHit,
)
from core.plugins.registry import (
    Registry,
    only_entry,
)
from core.plugins.site import (
    DemoSeeder,
    EventSink,
    LanguageChoice,
    RolePermissions,
    VisitorAttribution,
)
from core.plugins.staff import (
    ACCOUNT_MENU_PROFILE,
    STAFF_MENU_CREDITS,
    STAFF_MENU_MARKETING,
    STAFF_MENU_REPORTS,
    STAFF_MENU_SALES,
    AccountHomePanel,
    CustomerBulkAction,
    CustomerCardPage,
    CustomerColumn,
    CustomerFilter,
    CustomerListQuery,
    CustomerTab,
    DashboardWidget,
    MenuEntry,
    MenuGroup,
    SidebarFigure,
    TimelineEvent,
    TimelineSource,
)
from core.reporting import ReportDimension, ReportFilter, ReportMeasure, ReportSource

if TYPE_CHECKING:
    from django.http import HttpRequest


staff_menu: Registry[MenuEntry] = Registry("staff menu")
account_menu: Registry[MenuEntry] = Registry("customer-area menu")
dashboard_widgets: Registry[DashboardWidget] = Registry("dashboard widgets")
account_home_panels: Registry[AccountHomePanel] = Registry("customer-area home panels")
customer_tabs: Registry[CustomerTab] = Registry("customer card tabs")
customer_sidebar: Registry[SidebarFigure] = Registry("customer card sidebar")
customer_columns: Registry[CustomerColumn] = Registry("customer list columns")
customer_filters: Registry[CustomerFilter] = Registry("customer list filters")
timeline_sources: Registry[TimelineSource] = Registry("customer timeline sources")
customer_bulk_actions: Registry[CustomerBulkAction] = Registry(
    "customer list bulk actions"
)
customer_list_queries: Registry[CustomerListQuery] = Registry("customer list queries")
customer_card_pages: Registry[CustomerCardPage] = Registry("customer card pages")
automation_triggers: Registry[AutomationTrigger] = Registry("automation triggers")
automation_actions: Registry[AutomationAction] = Registry("automation actions")
automation_conditions: Registry[AutomationCondition] = Registry("automation conditions")
automation_shortcodes: Registry[AutomationShortcode] = Registry("automation shortcodes")
newsletter_consents: Registry[NewsletterConsent] = Registry("newsletter consent")
role_permissions: Registry[RolePermissions] = Registry("role permissions")
# Pages of the backoffice's Settings section (/staff/settings/ lists them).
settings_pages: Registry[MenuEntry] = Registry("settings pages")
demo_seeders: Registry[DemoSeeder] = Registry("demo data seeders")
language_choices: Registry[LanguageChoice] = Registry("language switcher choices")
# Data sources of the reports engine ("balance.movements"), by the apps owning them.
report_sources: Registry[ReportSource] = Registry("report sources")
visitor_attributions: Registry[VisitorAttribution] = Registry("visitor attributions")
# Listeners of core.events (the webhooks' outbox).
event_sinks: Registry[EventSink] = Registry("event sinks")

ALL_REGISTRIES = (
    staff_menu,
    account_menu,
    dashboard_widgets,
    account_home_panels,
    customer_tabs,
    customer_sidebar,
    customer_columns,
    customer_filters,
    timeline_sources,
    customer_bulk_actions,
    customer_list_queries,
    customer_card_pages,
    automation_triggers,
    automation_actions,
    automation_conditions,
    automation_shortcodes,
    newsletter_consents,
    role_permissions,
    settings_pages,
    demo_seeders,
    language_choices,
    report_sources,
    visitor_attributions,
    event_sinks,
)


def visitor_attribute(request: HttpRequest, customer: Any, moment: str) -> None:
    """Tells every ``visitor_attributions`` entry (see there) about ``customer``."""
    for entry in visitor_attributions:
        entry.attribute(request, customer, moment)


__all__ = [
    "ACCOUNT_MENU_PROFILE",
    "Registry",
    "only_entry",
    "MenuGroup",
    "STAFF_MENU_SALES",
    "STAFF_MENU_CREDITS",
    "STAFF_MENU_MARKETING",
    "STAFF_MENU_REPORTS",
    "MenuEntry",
    "DashboardWidget",
    "AccountHomePanel",
    "CustomerTab",
    "SidebarFigure",
    "CustomerColumn",
    "CustomerFilter",
    "CustomerBulkAction",
    "CustomerListQuery",
    "CustomerCardPage",
    "TimelineEvent",
    "TimelineSource",
    "AutomationContext",
    "AutomationActionRefused",
    "AutomationActionSkipped",
    "TriggerHit",
    "AutomationTrigger",
    "AutomationAction",
    "AutomationCondition",
    "AutomationShortcode",
    "AutomationCall",
    "AutomationOutcome",
    "NewsletterConsent",
    "RolePermissions",
    "DemoSeeder",
    "EventSink",
    "LanguageChoice",
    "VisitorAttribution",
    "ReportDimension",
    "ReportFilter",
    "ReportMeasure",
    "ReportSource",
    "staff_menu",
    "account_menu",
    "dashboard_widgets",
    "account_home_panels",
    "customer_tabs",
    "customer_sidebar",
    "customer_columns",
    "customer_filters",
    "timeline_sources",
    "customer_bulk_actions",
    "customer_list_queries",
    "customer_card_pages",
    "automation_triggers",
    "automation_actions",
    "automation_conditions",
    "automation_shortcodes",
    "newsletter_consents",
    "role_permissions",
    "settings_pages",
    "demo_seeders",
    "language_choices",
    "report_sources",
    "visitor_attributions",
    "event_sinks",
    "ALL_REGISTRIES",
    "visitor_attribute",
]
