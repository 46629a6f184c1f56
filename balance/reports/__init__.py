"""The balance's report sources: ``balance.movements`` (the ledger's entries,
``movements``) and ``withdrawals`` (``withdrawals``)."""

from balance.reports.movements import MOVEMENTS_SOURCE
from balance.reports.withdrawals import WITHDRAWALS_SOURCE
from core import plugins


def register() -> None:
    plugins.report_sources.register(MOVEMENTS_SOURCE)
    plugins.report_sources.register(WITHDRAWALS_SOURCE)


__all__ = ["MOVEMENTS_SOURCE", "WITHDRAWALS_SOURCE", "register"]
