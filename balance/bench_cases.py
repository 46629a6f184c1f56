"""Benchmark cases of the balance module, found by ``manage.py bench``.

At a million customers and ten million entries the issue asks for the customer list
filtered and sorted by balance under 150 ms at p95; the other cases watch the pages
that read the ledger. The "report:" cases are the report page on
``balance.movements`` for a year (issue 13: each under 1 s at p95, a fixed number of
queries): by month (every measure, the balances too), by kind, by month x kind, and
the top 50 customers by net. The year is fixed, 2025, so that it covers the entries
``bench_ledger --verify-entries`` generates (January 2025) and the figures compare
from run to run.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import Max
from django.urls import reverse

from balance.models import Entry
from balance.selectors import customer_history
from balance.views.account import HISTORY_PAGE_SIZE
from bench.cases import register
from customers.models import Customer


def _busiest_customer_id() -> int | None:
    """A customer with many entries: the heaviest Balance tab."""
    last = Entry.objects.aggregate(last=Max("id"))["last"]
    if last is None:
        return None
    return Entry.objects.filter(id=last).values_list("customer_id", flat=True).first()


def _balance_tab_url() -> str | None:
    customer_id = _busiest_customer_id()
    if customer_id is None:
        return None
    return reverse("balance:tab", kwargs={"pk": customer_id})


# "My credits" pages without counting the history (a COUNT with the reversed pairs
# left out took 400 ms at 140,000 entries); a deep page still scans what it skips.
DEEP_CREDITS_PAGE = 100


def _credits_deep_page_url() -> str | None:
    """Page 100 of the demo customer's history, if it is that long."""
    from customers.management.commands.seed_demo import CUSTOMER_EMAIL

    customer_id = (
        Customer.objects.filter(email__iexact=CUSTOMER_EMAIL)
        .values_list("pk", flat=True)
        .first()
    )
    if customer_id is None:
        return None
    skipped = (DEEP_CREDITS_PAGE - 1) * HISTORY_PAGE_SIZE
    if not customer_history(customer_id)[skipped : skipped + 1].exists():
        return None
    return f"{reverse('balance:account_credits')}?page={DEEP_CREDITS_PAGE}"


register("balance: list sorted by balance", "/staff/customers/?sort=-balance", order=60)
register("balance: list balance > 50", "/staff/customers/?balance_gt=50", order=61)
register("balance: list balance < 0", "/staff/customers/?balance_lt=0", order=62)
register(
    "balance: list balance 10-20 sorted",
    "/staff/customers/?balance_gt=10&balance_lt=20&sort=balance",
    order=63,
)
register("balance: card tab", _balance_tab_url, order=64)
register("balance: withdrawals page", "/staff/balance/withdrawals/", order=65)
register("balance: my credits", "/account/credits/", login="customer", order=66)
register(
    f"balance: my credits, page {DEEP_CREDITS_PAGE}",
    _credits_deep_page_url,
    login="customer",
    order=67,
)


REPORT_YEAR = {"date_from": "2025-01-01", "date_to": "2026-01-01"}
REPORT_ALL_MEASURES = ("count", "credits", "debits", "net", "average", "opening")
# The four cases of issue 13, as the report page's query strings (also used by
# tests/reports/test_page.py to check the page's query count does not grow).
REPORT_CASES: dict[str, dict[str, str | tuple[str, ...]]] = {
    "by month": {
        "rows": "month",
        "measures": (*REPORT_ALL_MEASURES, "closing"),
        **REPORT_YEAR,
    },
    "by kind": {"rows": "kind", **REPORT_YEAR},
    "by month x kind": {"rows": "month", "columns": "kind", **REPORT_YEAR},
    "top 50 customers by net": {
        "rows": "customer",
        "measures": ("net", "count"),
        "sort": "-net",
        "top": "50",
        **REPORT_YEAR,
    },
}


def report_case_url(name: str) -> str:
    """The report page on balance.movements with the query string of a case."""
    page = reverse("reports:page", args=["balance.movements"])
    return f"{page}?{urlencode(REPORT_CASES[name], doseq=True)}"


def _report_case(name: str) -> Callable[[], str]:
    return lambda: report_case_url(name)


for _order, _name in enumerate(REPORT_CASES, start=70):
    register(f"report: movements {_name}", _report_case(_name), order=_order)
