"""What referrals add to the rest: the selling signals' receivers, sign-up and
checkout attribution, the customer-area page, the card's tab and "Referred by",
the staff list, the settings page, the roles' permissions and the funnels'
triggers. Called from ``ReferralsConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import plugins

VIEW = "referrals.view_referral"


def referred_by(customer) -> str:
    """The card's sidebar figure: who referred the customer, linked."""
    from referrals.models import Referral

    referral = (
        Referral.objects.select_related("referrer").filter(referred=customer).first()
    )
    if referral is None or referral.referrer is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("customers:card", kwargs={"pk": referral.referrer_id}),
        str(referral.referrer),
    )


def register() -> None:
    from referrals.automation import register as register_automation
    from referrals.receivers import order_paid_received, order_refunded_received
    from referrals.views.account import menu_shown
    from referrals.views.link import attribute
    from selling.signals import order_paid, order_refunded

    order_paid.connect(order_paid_received, dispatch_uid="referrals.order_paid")
    order_refunded.connect(
        order_refunded_received, dispatch_uid="referrals.order_refunded"
    )
    register_automation()
    from referrals.timeline import referral_timeline_source

    plugins.timeline_sources.register(
        plugins.TimelineSource(
            "referrals",
            _("Referrals"),
            referral_timeline_source,
            permission=VIEW,
            order=80,
        )
    )
    plugins.visitor_attributions.register(
        plugins.VisitorAttribution("referrals", attribute)
    )
    plugins.account_menu.register(
        plugins.MenuEntry(
            "referrals",
            _("Referrals"),
            "referrals:account",
            order=80,
            shown=menu_shown,
        )
    )
    plugins.customer_tabs.register(
        plugins.CustomerTab(
            "referrals",
            _("Referrals"),
            "referrals:staff_tab",
            permission=VIEW,
            order=80,
        )
    )
    plugins.customer_sidebar.register(
        plugins.SidebarFigure(
            "referred_by", _("Referred by"), referred_by, permission=VIEW, order=80
        )
    )
    plugins.staff_menu.register(
        plugins.MenuEntry(
            "referrals",
            _("Referrals"),
            "referrals:staff_list",
            permission=VIEW,
            order=85,
            group=plugins.STAFF_MENU_MARKETING,
        )
    )
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "referrals",
            _("Referrals"),
            "referrals:staff_settings",
            permission="referrals.change_referralsettings",
            order=80,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "referrals.staff",
            "Staff",
            (
                "referrals.view_referral",
                "referrals.view_referralevent",
                "referrals.view_commission",
            ),
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "referrals.manager",
            "Manager",
            (
                "referrals.view_referral",
                "referrals.change_referrer",
                "referrals.view_referralevent",
                "referrals.view_commission",
                "referrals.view_referralsettings",
                "referrals.change_referralsettings",
                "referrals.view_productcommission",
                "referrals.add_productcommission",
                "referrals.change_productcommission",
                "referrals.delete_productcommission",
            ),
        )
    )
    # manage.py seed_demo: referrers with referrals and commissions in each state,
    # after the shop's catalog (order 70) and before the funnels (order 90).
    plugins.demo_seeders.register(
        plugins.DemoSeeder("referrals.demo", _demo_seed, order=80)
    )


def _demo_seed(customers, *, seed: int, log) -> int:
    from referrals.demo import demo_referrals_seed

    return demo_referrals_seed(customers, seed=seed, log=log)
