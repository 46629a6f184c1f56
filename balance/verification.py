"""Recomputing every balance from the ledger (``manage.py verify_balances``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from balance.models import Entry, Hold
from core.money import from_database
from customers.models import Customer

# One pass over the entries: the running sum per customer in id order (ids are drawn
# under the customer's lock, so id order is the order the entries were applied),
# compared with each balance_after; then the totals against the customer rows, and
# the active holds against balance_held. Rows come out only for customers that
# disagree somewhere. Amounts have two decimals, so "differ by half a cent or more" is
# "differ" on PostgreSQL (exact numerics) and ignores the binary rounding of SQLite's
# sums (development), which would otherwise flag every customer.
MISMATCHES_SQL = """
WITH ledger AS (
    SELECT customer_id, amount, balance_after,
           SUM(amount) OVER (
               PARTITION BY customer_id ORDER BY id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS running
    FROM {entry}
), per_customer AS (
    SELECT customer_id, SUM(amount) AS total,
           SUM(CASE WHEN ABS(balance_after - running) >= 0.005 THEN 1 ELSE 0 END)
               AS bad_steps
    FROM ledger
    GROUP BY customer_id
), held AS (
    SELECT customer_id, SUM(amount) AS held
    FROM {hold}
    WHERE status = %s
    GROUP BY customer_id
)
SELECT c.id, c.email, c.balance, COALESCE(p.total, 0), c.balance_held,
       COALESCE(h.held, 0), COALESCE(p.bad_steps, 0)
FROM {customer} c
LEFT JOIN per_customer p ON p.customer_id = c.id
LEFT JOIN held h ON h.customer_id = c.id
WHERE ABS(c.balance - COALESCE(p.total, 0)) >= 0.005
   OR ABS(c.balance_held - COALESCE(h.held, 0)) >= 0.005
   OR COALESCE(p.bad_steps, 0) > 0
ORDER BY c.id
"""


@dataclass(frozen=True)
class BalanceMismatch:
    customer_id: int
    email: str
    balance: Decimal
    entries_total: Decimal
    held: Decimal
    holds_total: Decimal
    wrong_balance_after: int


def balance_mismatches() -> list[BalanceMismatch]:
    """The customers whose stored figures disagree with their entries and holds.

    One SQL statement, so it reads one consistent snapshot while posting goes on.
    """
    sql = MISMATCHES_SQL.format(
        entry=Entry._meta.db_table,
        hold=Hold._meta.db_table,
        customer=Customer._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Hold.Status.ACTIVE])
        rows = cursor.fetchall()
    return [
        BalanceMismatch(
            customer_id=row[0],
            email=row[1],
            balance=from_database(row[2]),
            entries_total=from_database(row[3]),
            held=from_database(row[4]),
            holds_total=from_database(row[5]),
            wrong_balance_after=int(row[6]),
        )
        for row in rows
    ]
