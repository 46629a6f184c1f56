"""The ledger benchmark: posting throughput next to raw SQL, and verify_balances.

Posting: ``writers`` threads, each with its own connection, post for ``seconds``
through ``balance.services.entry_post`` ("ours"), then through a raw-SQL baseline
with the same transaction shape on a plain psycopg connection: ``SELECT ... FOR
UPDATE`` of the customer, ``UPDATE`` of its balance, ``INSERT`` of the entry, commit.
On one hot customer every writer waits for the same row lock; on random customers
they rarely meet. Both write real, consistent entries (verify_balances stays OK).

Verification: entries are generated in SQL (INSERT ... SELECT, which the append-only
trigger allows) for the customers already in the database, with correct running
balances, and ``balance_mismatches()`` is timed over them.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import psycopg
from django.db import connection, connections

from balance.models import Entry
from balance.services import Author, entry_post
from balance.verification import balance_mismatches
from customers.models import Customer

BENCH_AUTHOR = Author.staff(label="bench_ledger")

BASELINE_LOCK_SQL = "SELECT balance FROM customers_customer WHERE id = %s FOR UPDATE"
BASELINE_UPDATE_SQL = "UPDATE customers_customer SET balance = %s WHERE id = %s"
BASELINE_INSERT_SQL = (
    "INSERT INTO balance_entry (customer_id, amount, kind, note, author_kind, "
    "author_label, balance_after, source_type, source_id, idempotency_key) "
    "VALUES (%s, %s, 'adjustment', '', 'staff', 'bench_ledger', %s, '', '', %s)"
)


@dataclass(frozen=True)
class ThroughputResult:
    target: str  # "hot customer" or "random customers"
    writers: int
    ours_per_second: Decimal
    baseline_per_second: Decimal

    @property
    def ratio(self) -> Decimal:
        return (self.ours_per_second / self.baseline_per_second).quantize(
            Decimal("0.01")
        )


def _amount(rng: random.Random) -> Decimal:
    """A signed, non-zero amount in cents, built from an int."""
    cents = rng.randint(1, 5000)
    return Decimal(cents if rng.random() < 0.6 else -cents) / 100


def _post_ours(customer_id: int, amount: Decimal) -> None:
    entry_post(
        customer_id=customer_id,
        amount=amount,
        kind=Entry.Kind.ADJUSTMENT,
        author=BENCH_AUTHOR,
        idempotency_key=f"bench:{uuid.uuid4()}",
    )


class _BaselineWriter:
    """The same work in raw SQL, on its own psycopg connection."""

    def __init__(self) -> None:
        database = connection.settings_dict
        self.connection = psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            autocommit=False,
        )

    def post(self, customer_id: int, amount: Decimal) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(BASELINE_LOCK_SQL, [customer_id])
            (balance,) = cast(tuple[Decimal], cursor.fetchone())  # the row is there
            balance_after = balance + amount
            cursor.execute(BASELINE_UPDATE_SQL, [balance_after, customer_id])
            cursor.execute(
                BASELINE_INSERT_SQL,
                [customer_id, amount, balance_after, f"raw:{uuid.uuid4()}"],
            )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _run_writers(
    writers: int,
    seconds: float,
    customer_ids: list[int],
    make_poster: Callable[[], tuple[Callable[[int, Decimal], None], Callable]],
) -> Decimal:
    """Entries per second committed by ``writers`` threads posting for ``seconds``."""
    barrier = threading.Barrier(writers + 1)
    counts = [0] * writers
    errors: list[BaseException] = []
    deadline: list[float] = []

    def body(index: int) -> None:
        rng = random.Random(index)
        post, close = make_poster()
        try:
            barrier.wait()
            while time.monotonic() < deadline[0]:
                post(rng.choice(customer_ids), _amount(rng))
                counts[index] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline.append(started + seconds)
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if errors:
        raise errors[0]
    return (Decimal(sum(counts)) / Decimal(str(round(elapsed, 6)))).quantize(
        Decimal("1")
    )


def _ours() -> tuple[Callable[[int, Decimal], None], Callable]:
    return _post_ours, connections.close_all


def _baseline() -> tuple[Callable[[int, Decimal], None], Callable]:
    writer = _BaselineWriter()
    return writer.post, writer.close


def throughput_run(
    *, writers_list: list[int], seconds: float, customer_ids: list[int], repeat: int
) -> list[ThroughputResult]:
    """Ours and the baseline, alternately, ``repeat`` times for each target and
    number of writers; the medians are kept (the database may be shared)."""
    results = []
    targets = [("hot customer", customer_ids[:1]), ("random customers", customer_ids)]
    for target, ids in targets:
        for writers in writers_list:
            _run_writers(writers, min(seconds, 1.0), ids, _ours)  # warm-up
            ours, baseline = [], []
            for _round in range(repeat):
                ours.append(_run_writers(writers, seconds, ids, _ours))
                baseline.append(_run_writers(writers, seconds, ids, _baseline))
            results.append(
                ThroughputResult(
                    target,
                    writers,
                    statistics.median(ours),
                    statistics.median(baseline),
                )
            )
    return results


def throughput_report(
    results: list[ThroughputResult], seconds: float, repeat: int
) -> str:
    lines = [
        f"Posting throughput: median of {repeat} runs of {seconds:g} s, each writer a "
        "thread with its own connection (entries/s; ratio = ours / raw-SQL "
        "baseline, target ≥ 0.5).",
        "",
        "| target | writers | ours entries/s | baseline entries/s | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        lines.append(
            f"| {result.target} | {result.writers} | {result.ours_per_second:,} "
            f"| {result.baseline_per_second:,} | {result.ratio} |"
        )
    return "\n".join(lines)


# --- verify_balances over many entries ---

GENERATE_ENTRIES_SQL = """
WITH generated AS (
    SELECT c.id AS customer_id, s.n,
           (((c.id * 7919 + s.n * 104729) %% 9999) - 3999 +
            CASE WHEN ((c.id * 7919 + s.n * 104729) %% 9999) = 3999 THEN 1 ELSE 0 END
           ) / 100.0 AS amount
    FROM customers_customer c
    CROSS JOIN generate_series(1, %s) AS s(n)
    WHERE c.id BETWEEN %s AND %s
      AND NOT EXISTS (SELECT 1 FROM balance_entry e WHERE e.customer_id = c.id)
)
INSERT INTO balance_entry (customer_id, amount, kind, note, author_kind,
    author_label, balance_after, source_type, source_id, idempotency_key, created_at)
SELECT customer_id, amount,
       CASE WHEN amount > 0 THEN 'manual_credit' ELSE 'manual_debit' END,
       '', 'system', 'bench_ledger',
       SUM(amount) OVER (PARTITION BY customer_id ORDER BY n),
       '', '', 'bench:' || n,
       TIMESTAMPTZ '2025-01-01' + n * INTERVAL '1 day' + customer_id * INTERVAL '1 s'
FROM generated
ORDER BY customer_id, n
"""

SET_BALANCES_SQL = """
UPDATE customers_customer c SET balance = t.total
FROM (
    SELECT customer_id, SUM(amount) AS total FROM balance_entry
    WHERE customer_id BETWEEN %s AND %s GROUP BY customer_id
) t
WHERE c.id = t.customer_id AND c.balance <> t.total
"""


def entries_generate(
    *, total: int, per_customer: int, report: Callable[[str], None]
) -> int:
    """Adds ``per_customer`` entries to customers without entries until the ledger
    holds ``total`` entries; returns the ledger's size.

    Ids are drawn in (customer, n) order, so every balance_after is right.
    """
    current = Entry.objects.count()
    bounds = Customer.objects.order_by("pk").values_list("pk", flat=True)
    # seed_demo ran first: there are customers.
    first_id, last_id = cast(int, bounds.first()), cast(int, bounds.last())
    chunk = max(1, 1_000_000 // per_customer)  # about a million entries a statement
    low = first_id
    while current < total and low <= last_id:
        high = low + chunk - 1
        with connection.cursor() as cursor:
            cursor.execute(GENERATE_ENTRIES_SQL, [per_customer, low, high])
            current += cursor.rowcount
            cursor.execute(SET_BALANCES_SQL, [low, high])
        report(f"{current:,} entries")
        low = high + 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE balance_entry")
    return current


def verify_time() -> tuple[float, int]:
    """Seconds ``balance_mismatches()`` takes, and how many it found."""
    started = time.monotonic()
    mismatches = balance_mismatches()
    return time.monotonic() - started, len(mismatches)
