from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def credits_section_shown(request) -> bool:
    from balance.models import BalanceSettings

    return BalanceSettings.load().credits_section_enabled


class BalanceConfig(AppConfig):
    """The per-customer money ledger (credits, debits, withdrawals, gifts)."""

    name = "balance"
    verbose_name = _("Balance")

    def ready(self):
        from balance.automation import register as register_automation
        from balance.timeline import (
            entry_timeline_source,
            payout_access_timeline_source,
            payout_change_timeline_source,
        )
        from core import plugins

        plugins.timeline_sources.register(
            plugins.TimelineSource(
                "balance",
                _("Balance"),
                entry_timeline_source,
                permission="balance.view_entry",
                order=40,
            )
        )
        plugins.timeline_sources.register(
            plugins.TimelineSource(
                "payout_changes",
                _("Payout details"),
                payout_change_timeline_source,
                permission="balance.view_payoutdetailschange",
                order=45,
            )
        )
        # Who saw the IBAN or PayPal e-mail in full (PayoutDetailsAccess).
        plugins.timeline_sources.register(
            plugins.TimelineSource(
                "payout_accesses",
                _("Payout details seen"),
                payout_access_timeline_source,
                permission="balance.view_payoutdetailsaccess",
                order=46,
            )
        )
        # Funnels: credit, debit and set-balance actions, balance conditions,
        # {balance}, and the "withdrawal requested" trigger.
        register_automation()
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "balance.staff",
                "Staff",
                (
                    "balance.view_entry",
                    "balance.view_hold",
                    "balance.view_withdrawal",
                    "balance.view_gift",
                    "balance.view_giftrun",
                    "balance.view_payoutdetailschange",
                    "balance.view_payoutdetailsaccess",
                ),
            )
        )
        plugins.role_permissions.register(
            plugins.RolePermissions(
                "balance.manager",
                "Manager",
                (
                    "balance.view_entry",
                    "balance.add_entry",
                    "balance.view_hold",
                    "balance.view_withdrawal",
                    "balance.approve_withdrawal",
                    "balance.view_gift",
                    "balance.add_gift",
                    "balance.change_gift",
                    "balance.view_giftrun",
                    "balance.view_payoutdetailschange",
                    "balance.view_payoutdetailsaccess",
                    # Managers approve and pay withdrawals: they need the IBAN.
                    # Every view of it unmasked is recorded (PayoutDetailsAccess).
                    "balance.view_payout_details_unmasked",
                ),
            )
        )
        from balance.demo import demo_ledger_seed

        # manage.py seed_demo: a ledger history for some of the demo customers.
        plugins.demo_seeders.register(
            plugins.DemoSeeder("balance.ledger", demo_ledger_seed, order=60)
        )
        from balance.reports import register as register_reports

        # The reports engine's "balance.movements" and "withdrawals" sources.
        register_reports()
        from balance.staff_plugins import register as register_staff_pages

        register_staff_pages()
        # Customer area: "My credits", when the settings show it (else the view 404s).
        plugins.account_menu.register(
            plugins.MenuEntry(
                "credits",
                _("My credits"),
                "balance:account_credits",
                order=50,
                shown=credits_section_shown,
            )
        )
        from balance.account_home import credits_home_context

        plugins.account_home_panels.register(
            plugins.AccountHomePanel(
                "credits",
                "balance/account/home_panel.html",
                credits_home_context,
                order=50,
            )
        )
