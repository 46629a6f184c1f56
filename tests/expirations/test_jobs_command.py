"""``manage.py run_expirations``: what it prints, and a bad --today."""

import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from expirations.models import ExpirationEvent
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = pytest.mark.both_dbs

ROOT = Path(__file__).resolve().parents[2]
D = date(2026, 6, 30)


def run(*args) -> str:
    out = StringIO()
    call_command("run_expirations", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_run_expirations_prints_what_it_sent():
    product = ServiceProductFactory(name="Web hosting")
    expiring = ExpirationFactory(product=product, expiry_date=D)
    expired = ExpirationFactory(
        item="Domain example.com", expiry_date=date(2026, 6, 21)
    )

    output = run("--today", "2026-06-23")

    assert f"reminder 7 days before: {expiring.customer.email}, Web hosting" in output
    assert f"expired: {expired.customer.email}, Domain example.com" in output
    assert "Reminders 7 days before: 1 sent" in output
    assert "2026-06-23: 1 reminders sent, 1 skipped, 1 expiries." in output
    assert ExpirationEvent.objects.filter(kind="reminder_sent").count() == 1

    again = run("--today", "2026-06-23")
    assert "2026-06-23: 0 reminders sent, 0 skipped, 0 expiries." in again


@pytest.mark.django_db
def test_run_expirations_shows_progress_at_verbosity_2():
    ExpirationFactory(expiry_date=D)
    output = run("--today", "2026-06-29", "-v", "2")
    assert "Reminders due 1 day before: 1" in output
    assert "batch 1, 1 sent" in output


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "30/06/2026", ""])
def test_run_expirations_refuses_a_bad_date(bad):
    ExpirationFactory(expiry_date=D)
    with pytest.raises(CommandError, match="is not a date: use YYYY-MM-DD"):
        run("--today", bad or " ")
    assert not ExpirationEvent.objects.exists()


def test_run_expirations_bad_date_exits_non_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "run_expirations", "--today", "2026-13-01"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "“2026-13-01” is not a date: use YYYY-MM-DD" in result.stderr
