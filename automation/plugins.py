"""What the automation module plugs in: its event receiver, the manual trigger,
its generic actions, the dashboard's scheduler warning and the roles'
permissions. Called from ``AutomationConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from automation.definition import MANUAL_TRIGGER
from core import plugins
from core.automation_events import automation_event

MANAGER_PERMISSIONS = (
    "automation.view_funnel",
    "automation.add_funnel",
    "automation.change_funnel",
    "automation.delete_funnel",
    "automation.view_funnelversion",
    "automation.view_run",
    "automation.change_run",
    "automation.view_stepvisit",
    "automation.change_stepvisit",
    "automation.view_tick",
)


def register() -> None:
    from automation.actions import register as register_actions
    from automation.services.enrolment import automation_event_received
    from automation.widgets import scheduler_health_context

    automation_event.connect(
        automation_event_received, dispatch_uid="automation.event_received"
    )
    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            MANUAL_TRIGGER,
            _("Manual enrolment"),
            description=_(
                "Staff add customers from the card or the customer list (a "
                "newsletter campaign is a list enrolled into a one-step funnel)."
            ),
        )
    )
    register_actions()
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "automation.funnels",
            _("Funnels"),
            "automation:funnel_list",
            permission="automation.view_funnel",
            order=80,
            group=plugins.STAFF_MENU_MARKETING,
        )
    )
    plugins.dashboard_widgets.register(
        plugins.DashboardWidget(
            "automation_scheduler",
            _("Funnel scheduler"),
            "automation/staff/widget_scheduler.html",
            scheduler_health_context,
            permission="automation.view_funnel",
            order=5,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions("automation.manager", "Manager", MANAGER_PERMISSIONS)
    )
