from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BalanceConfig(AppConfig):
    """The per-customer money ledger (credits, debits, withdrawals, gifts)."""

    name = "balance"
    verbose_name = _("Balance")
