"""The API's bench cases: the balance GET and a credit POST, each request of the
POST under a new Idempotency-Key (so each one posts an entry)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from api.models import IdempotentRequest
from balance.models import Entry

pytestmark = pytest.mark.django_db


def test_bench_times_the_balance_and_credit_requests():
    output = StringIO()
    call_command(
        "bench",
        "--seed",
        "5",
        "--repeat",
        "3",
        "--warmup",
        "1",
        "--case",
        "api:",
        stdout=output,
    )
    text = output.getvalue()
    assert "| api: balance GET | " in text
    assert "| api: credit POST | " in text
    assert "failed" not in text and "skipped" not in text
    assert "`POST /api/v1/customers/" in text
    # 1 warm-up, 1 counted for its queries, 3 timed: five credits, five keys.
    bench_entries = Entry.objects.filter(note="bench")
    assert bench_entries.count() == 5
    assert IdempotentRequest.objects.filter(key__startswith="bench-").count() == 5
