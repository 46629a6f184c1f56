"""Reports on a read replica: with ``REPORTS_DATABASE`` set, the engine's source
queries run on that alias and none of them on ``default``.

The tests' "reports" alias (``config/settings_test.py``) is a mirror of the test
database: another connection to the same database, as a replica would be. So the
rows are committed first (a transactional test): the mirror cannot see what the
primary has not committed, as a real replica could not either.
"""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from balance.models import Entry
from reports.database import reports_database, reports_database_alias
from reports.models import SavedReport
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "reports"]),
    pytest.mark.both_dbs,
]

PAGE = reverse("reports:page", args=["balance.movements"])
CHOICES = {
    "rows": "customer",
    "measures": ["count", "net", "closing"],
    "date_from": "2026-01-01",
    "date_to": "2026-03-01",
}
# What the source queries read: the ledger, and the customers' names of the
# customer dimension. The request's own reads (the session, the staff member, the
# customer of a logged-in user) read other rows.
SOURCE_QUERIES = ('"balance_entry"', '"customers_customer"."id" IN')


@pytest.fixture
def on_replica():
    with override_settings(REPORTS_DATABASE="reports"):
        yield


@pytest.fixture
def ledger():
    ann = CustomerFactory(first_name="Ann", last_name="Alder")
    history_write(
        ann,
        [
            Past(rome("2026-01-10 10:00"), "100.00"),
            Past(rome("2026-02-05 09:00"), "-30.00", Entry.Kind.MANUAL_DEBIT),
        ],
    )
    return ann


def source_queries(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if any(part in query["sql"] for part in SOURCE_QUERIES)
    ]


def test_reports_database_is_default_without_a_replica():
    assert reports_database_alias() == DEFAULT_DB_ALIAS
    with reports_database() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert Entry.objects.all().db == DEFAULT_DB_ALIAS
    with override_settings(REPORTS_DATABASE="nowhere"):
        # An alias that is not configured is no replica: the primary is read.
        assert reports_database_alias() == DEFAULT_DB_ALIAS


def test_reports_database_moves_reads_only_inside_the_block(on_replica):
    assert Entry.objects.all().db == DEFAULT_DB_ALIAS
    with reports_database() as alias:
        assert alias == "reports"
        assert Entry.objects.all().db == "reports"
        with reports_database():
            assert Entry.objects.all().db == "reports"
        # Writes stay on the primary.
        assert router.db_for_write(SavedReport) == DEFAULT_DB_ALIAS
    assert Entry.objects.all().db == DEFAULT_DB_ALIAS


def test_report_page_runs_its_source_queries_on_the_replica(on_replica, client, ledger):
    client.force_login(StaffFactory(groups=["Staff"]))
    replica = CaptureQueriesContext(connections["reports"])
    primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])

    with replica, primary:
        response = client.get(PAGE, CHOICES)

    assert response.status_code == 200
    table = response.context["table"]
    assert [cell.text for cell in table.body[0]][1:] == ["2", "70.00", "70.00"]
    on_replica_queries = source_queries(replica)
    # The grouped query, the balances before the start and the customers' names.
    assert len(on_replica_queries) == 3
    assert any('"balance_entry"' in sql for sql in on_replica_queries)
    assert source_queries(primary) == []
    # The session and the staff member were read on the primary.
    assert any('"django_session"' in query["sql"] for query in primary)


def test_report_exports_and_saved_reports_read_the_replica_and_write_the_primary(
    on_replica, client, ledger
):
    staff = StaffFactory(groups=["Staff"])
    client.force_login(staff)
    replica = CaptureQueriesContext(connections["reports"])
    primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
    export = reverse("reports:export", args=["balance.movements", "csv"])

    with replica, primary:
        response = client.get(export, CHOICES)
        lines = b"".join(response.streaming_content).decode()
        saved = client.post(
            reverse("reports:save", args=["balance.movements"]),
            {
                "name": "Balances",
                "visibility": "owner",
                "query": urlencode(CHOICES, doseq=True),
            },
        )

    rows = list(csv.reader(io.StringIO(lines)))
    assert rows[1][1:4] == ["2", "70.00", "70.00"]
    assert source_queries(primary) == []
    assert len(source_queries(replica)) == 3
    assert saved.status_code == 302
    assert SavedReport.objects.get().name == "Balances"
    assert not any(
        query["sql"].startswith("INSERT") for query in replica.captured_queries
    )
    assert any(
        query["sql"].startswith("INSERT") and '"reports_savedreport"' in query["sql"]
        for query in primary.captured_queries
    )


def test_report_command_reads_the_replica(on_replica, ledger):
    out = io.StringIO()
    replica = CaptureQueriesContext(connections["reports"])
    primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])

    with replica, primary:
        call_command(
            "report",
            "balance.movements",
            "--group-by",
            "month",
            "--measures",
            "net",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-01",
            "--format",
            "csv",
            stdout=out,
            stderr=io.StringIO(),
        )

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [row[:2] for row in rows[1:]] == [
        ["2026-01-01", "100.00"],
        ["2026-02-01", "-30.00"],
        ["total", "70.00"],
    ]
    assert primary.captured_queries == []
    assert len(source_queries(replica)) == 1
