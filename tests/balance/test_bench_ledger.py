"""``manage.py bench_ledger`` end to end on a tiny scale; the ledger stays sound."""

from io import StringIO

import pytest
from django.core.management import call_command

from balance.models import Entry
from balance.verification import balance_mismatches
from tests.customers.factories import CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_bench_ledger_reports_throughput_and_verification(tmp_path):
    CustomerFactory.create_batch(6)
    output = tmp_path / "ledger.md"
    out = StringIO()
    call_command(
        "bench_ledger",
        "--seconds=0.2",
        "--writers",
        "1",
        "2",
        "--repeat=1",
        "--customers=3",
        "--verify-entries=40",
        "--entries-per-customer=4",
        f"--output={output}",
        stdout=out,
    )
    report = output.read_text()
    assert "| hot customer | 2 |" in report
    assert "| random customers | 1 |" in report
    assert "0 mismatches" in report
    # Both writers wrote real entries, and the generated ones add up.
    assert Entry.objects.filter(author_label="bench_ledger").exists()
    assert Entry.objects.count() >= 40
    assert balance_mismatches() == []
