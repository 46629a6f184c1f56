from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Referral links, who referred whom, and commissions into the balance."""

    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from referrals.plugins import register

        register()
        from referrals.reports import register as register_reports

        # The reports engine's "referrals.commissions" source.
        register_reports()
