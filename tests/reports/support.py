"""Ledger histories at past moments, for the reports' tests.

The ledger services stamp an entry with the database's clock (``created_at`` has
``db_default=Now()``) and take no date, so a history in the past is written the
way ``balance/demo.py`` writes the demo ledger: rows inserted (never updated:
the table is append-only) with their ``created_at``, ``balance_after`` the running
sum in id order, and the customer's stored balance the last ``balance_after``.
``assert_ledger_consistent`` (the balance tests' invariant) checks each history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from balance.models import Entry
from customers.models import Customer
from tests.balance.support import assert_ledger_consistent

ROME = ZoneInfo("Europe/Rome")


def rome(text: str) -> datetime:
    """A local time in Europe/Rome: ``rome("2026-03-29 00:30")``."""
    return datetime.fromisoformat(text).replace(tzinfo=ROME)


@dataclass(frozen=True)
class Past:
    """One entry of a history: when (aware), the signed amount, its kind and who;
    ``reverses`` is the index in the history of the entry it reverses."""

    at: datetime
    amount: str
    kind: str = Entry.Kind.MANUAL_CREDIT
    author_kind: str = Entry.AuthorKind.STAFF
    reverses: int | None = None


def history_write(customer: Customer, history: list[Past]) -> list[Entry]:
    """Writes ``history`` (oldest first) after what the customer already has."""
    assert history == sorted(history, key=lambda past: past.at)
    balance = Customer.objects.get(pk=customer.pk).balance
    written: list[Entry] = []
    for past in history:
        amount = Decimal(past.amount)
        balance += amount
        written.append(
            Entry.objects.create(
                customer=customer,
                amount=amount,
                kind=past.kind,
                author_kind=past.author_kind,
                author_label="tests",
                created_at=past.at,
                balance_after=balance,
                idempotency_key=f"test:{uuid.uuid4()}",
                reversal_of=written[past.reverses]
                if past.reverses is not None
                else None,
            )
        )
    Customer.objects.filter(pk=customer.pk).update(balance=balance)
    assert_ledger_consistent(customer)
    return written


def moment_set(row, **moments: datetime) -> None:
    """Stamps a row's date-times (``created_at``, ``paid_at``...) in the past: an
    update, since ``auto_now_add`` fields take the clock on insert."""
    type(row).objects.filter(pk=row.pk).update(**moments)


def source_compute(source: str, group_by: str, measures: str, user=None, **kwargs):
    """``source`` computed by the engine, as the page and the command do."""
    from reports.query import report_query_build
    from reports.selectors import report_compute

    query = report_query_build(
        source=source, group_by=group_by, measures=measures, **kwargs
    )
    return report_compute(query, user)


def rows_by(result, dimension: str, measures: str) -> dict:
    """``{dimension value: (measure, ...)}`` of a result's rows."""
    keys = measures.split(",")
    return {
        row.values[dimension]: tuple(row.values[key] for key in keys)
        for row in result.rows
    }


def totals_of(result, measures: str) -> tuple:
    return tuple(result.totals.values[key] for key in measures.split(","))


def staff_with(*permissions: str):
    """A staff member with exactly these "app_label.codename" permissions."""
    from django.contrib.auth.models import Permission

    from tests.core.factories import StaffFactory

    user = StaffFactory()
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)


def command_csv(*args: str) -> list[list[str]]:
    """``manage.py report ... --format csv``, read back as rows of cells."""
    import csv
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("report", *args, "--format", "csv", stdout=out, stderr=io.StringIO())
    return list(csv.reader(io.StringIO(out.getvalue())))
