"""The ledger's management commands: output, exit status, and no entry on errors."""

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from balance.models import Entry, Gift
from tests.balance.support import credit, figures
from tests.customers.factories import CustomerFactory

ROOT = Path(__file__).resolve().parents[2]
D = Decimal


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_failing(*args) -> str:
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    return str(raised.value)


def manage(*args) -> subprocess.CompletedProcess:
    """``manage.py`` in a subprocess, on the test database (committed rows only)."""
    database = settings.DATABASES["default"]
    password = f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    url = (
        f"postgres://{quote(database['USER'])}{password}"
        f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- balance credit / debit / show ---


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_balance_credit_and_debit_from_the_shell():
    customer = CustomerFactory(email="ada@example.com")
    out = run("balance", "credit", "ADA@example.com", "12,50", "--note", "Refund")
    assert "12.50 EUR" in out
    out = run("balance", "debit", "ada@example.com", "20", "--note", "Damage")
    assert "-7.50 EUR" in out
    assert figures(customer)[0] == D("-7.50")  # shell operations are staff's
    entries = list(Entry.objects.order_by("id"))
    assert [(e.kind, e.note, e.author_kind, e.author_label) for e in entries] == [
        ("manual_credit", "Refund", "staff", "manage.py balance"),
        ("manual_debit", "Damage", "staff", "manage.py balance"),
    ]
    assert entries[0].idempotency_key != entries[1].idempotency_key


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_balance_credit_twice_posts_twice_unless_given_a_key():
    customer = CustomerFactory(email="ada@example.com")
    run("balance", "credit", "ada@example.com", "1")
    run("balance", "credit", "ada@example.com", "1")
    assert figures(customer)[0] == D("2.00")
    for _attempt in range(2):
        run("balance", "credit", "ada@example.com", "5", "--idempotency-key", "k")
    assert figures(customer)[0] == D("7.00")


@pytest.mark.django_db
@pytest.mark.both_dbs
@pytest.mark.parametrize(
    ("email", "amount", "message"),
    [
        ("nobody@example.com", "5", "No customer has the e-mail"),
        ("ada@example.com", "12,5,0", "more than one separator"),
        ("ada@example.com", "abc", "is not an amount"),
        ("ada@example.com", "0", "greater than zero"),
        ("ada@example.com", "-5", "greater than zero"),
        ("ada@example.com", "1.234", "more than 2 decimal places"),
        ("ada@example.com", "NaN", "is not an amount"),
    ],
)
def test_balance_bad_arguments_give_a_clear_error_and_no_entry(email, amount, message):
    customer = CustomerFactory(email="ada@example.com")
    for action in ("credit", "debit"):
        assert message in run_failing("balance", action, email, amount)
    assert not Entry.objects.exists()
    assert figures(customer)[0] == D("0.00")


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_balance_show_prints_the_figures_and_the_last_ten_entries():
    customer = CustomerFactory(email="ada@example.com")
    for index in range(12):
        credit(customer, "1.00", note=f"credit {index}")
    out = run("balance", "show", "ada@example.com")
    assert "Balance: 12.00 EUR" in out
    assert "available: 12.00 EUR" in out
    assert "credit 11" in out and "credit 2" in out
    assert "credit 1\n" not in out and "credit 0" not in out
    assert "No customer" in run_failing("balance", "show", "x@example.com")


# --- run_gifts ---


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_run_gifts_runs_the_due_gifts_once():
    customer = CustomerFactory()
    Gift.objects.create(
        amount=D("3.00"),
        description="Thanks",
        schedule=Gift.Schedule.MONTHLY,
        day_of_month=1,
        audience=Gift.Audience.EVERYONE,
        start_date=date(2026, 1, 1),
    )
    out = run("run_gifts", "--today", "2026-02-15")
    assert "Thanks, 2026-01: 1 customers, 3.00 EUR" in out
    assert "2 gift periods run." in out
    assert "0 gift periods run." in run("run_gifts", "--today", "2026-02-15")
    assert figures(customer)[0] == D("6.00")


@pytest.mark.django_db
@pytest.mark.both_dbs
@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "15/02/2026"])
def test_run_gifts_refuses_a_bad_date(bad):
    assert "is not a date: use YYYY-MM-DD" in run_failing("run_gifts", "--today", bad)


# --- verify_balances ---


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_verify_balances_says_ok_on_a_consistent_ledger():
    customer = CustomerFactory()
    credit(customer, "5.00")
    credit(CustomerFactory(), "7.00")
    assert "OK: 2 customers, 2 entries" in run("verify_balances")


@pytest.mark.django_db
@pytest.mark.both_dbs
def test_verify_balances_names_the_customers_that_disagree():
    good = CustomerFactory(email="good@example.com")
    credit(good, "5.00")
    stored_wrong = CustomerFactory(email="stored@example.com")
    credit(stored_wrong, "5.00")
    # Corruption on purpose: the services never write these.
    from customers.models import Customer

    Customer.objects.filter(pk=stored_wrong.pk).update(balance=D("6.00"))
    held_wrong = CustomerFactory(email="held@example.com")
    Customer.objects.filter(pk=held_wrong.pk).update(balance_held=D("1.00"))
    step_wrong = CustomerFactory(email="step@example.com")
    credit(step_wrong, "5.00")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO balance_entry (customer_id, amount, kind, note, author_kind, "
            "author_label, balance_after, source_type, source_id, idempotency_key) "
            "VALUES (%s, -1, 'manual_debit', '', 'staff', '', 3, '', '', 'raw')",
            [step_wrong.pk],
        )
    Customer.objects.filter(pk=step_wrong.pk).update(balance=D("4.00"))
    err = StringIO()
    with pytest.raises(CommandError, match="3 customers' balances disagree"):
        call_command("verify_balances", stdout=StringIO(), stderr=err)
    report = err.getvalue()
    assert "stored@example.com" in report and "entries sum to 5.00" in report
    assert "held@example.com" in report and "active holds sum to 0" in report
    assert "step@example.com" in report and "1 entries with a wrong balance" in report
    assert "good@example.com" not in report


@pytest.mark.django_db(transaction=True)
def test_the_commands_exit_non_zero_on_errors():
    from customers.models import Customer

    customer = CustomerFactory(email="ada@example.com")
    result = manage("balance", "credit", "ada@example.com", "12,5,0")
    assert result.returncode == 1
    assert "more than one separator" in result.stderr
    assert manage("run_gifts", "--today", "2026-02-30").returncode == 1
    ok = manage("verify_balances")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK")
    Customer.objects.filter(pk=customer.pk).update(balance=D("1.00"))
    broken = manage("verify_balances")
    assert broken.returncode == 1
    assert "ada@example.com" in broken.stderr
    assert not Entry.objects.exists()
