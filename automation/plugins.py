"""What the automation module plugs in: its event receiver, the manual trigger,
its generic actions, the dashboard's scheduler warning and Needs attention, the
customer card's Funnels tab, the customer list's "Enrol in funnel", the roles'
permissions and the demo funnels of ``seed_demo``. Called from
``AutomationConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
    "automation.add_run",
    "automation.change_run",
    "automation.view_stepvisit",
    "automation.change_stepvisit",
    "automation.view_tick",
)


def register() -> None:
    from automation.actions import register as register_actions
    from automation.services.enrolment import automation_event_received
    from automation.widgets import attention_context, scheduler_health_context

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
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "automation.attention",
            _("Needs attention"),
            "automation:staff_attention",
            permission="automation.view_stepvisit",
            order=81,
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
    plugins.dashboard_widgets.register(
        plugins.DashboardWidget(
            "automation_attention",
            _("Funnel steps needing attention"),
            "automation/staff/attention_widget.html",
            attention_context,
            permission="automation.view_stepvisit",
            order=6,
        )
    )
    plugins.customer_tabs.register(
        plugins.CustomerTab(
            "funnels",
            _("Funnels"),
            "automation:card_tab",
            permission="automation.view_run",
            order=80,
        )
    )
    plugins.customer_bulk_actions.register(
        plugins.CustomerBulkAction(
            "funnel_enrol",
            _("Enrol in a funnel"),
            field_name="funnel",
            make_field=_funnel_field,
            apply=bulk_enrol_apply,
            done_message=bulk_enrol_message,
            permission="automation.add_run",
            order=50,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions("automation.manager", "Manager", MANAGER_PERMISSIONS)
    )
    # manage.py seed_demo: the example funnels, with a few runs in progress; after
    # the other modules' data (the win-back credits and checks the services).
    plugins.demo_seeders.register(
        plugins.DemoSeeder("automation.funnels", _demo_seed, order=90)
    )


def _demo_seed(customers, *, seed: int, log) -> int:
    from automation.demo import demo_funnels_seed

    return demo_funnels_seed(customers, seed=seed, log=log)


def _funnel_field():
    from automation.forms.runs import ManualFunnelField

    return ManualFunnelField(empty_label=_("Pick a funnel…"))


def bulk_enrol_apply(*, customers, target, actor=None, progress=None) -> int:
    """The customer list's "Enrol in a funnel": set-based (``funnel_enrol``)."""
    from automation.services import funnel_enrol

    return funnel_enrol(target, customers, by=actor, progress=progress)


def bulk_enrol_message(target, count: int) -> str:
    return ngettext(
        "%(count)d customer enrolled in “%(name)s” (those already in, or kept out "
        "by its re-entry rule, are left as they were).",
        "%(count)d customers enrolled in “%(name)s” (those already in, or kept out "
        "by its re-entry rule, are left as they were).",
        count,
    ) % {"count": count, "name": target.name}
