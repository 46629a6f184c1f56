"""Runs benchmark cases with Django's test client and formats the results."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench.cases import BenchCase, Login

if TYPE_CHECKING:
    from core.models import User


@dataclass(frozen=True)
class CaseResult:
    name: str
    url: str | None
    timings_ms: tuple[float, ...] = ()
    queries: int | None = None
    status: int | None = None
    expected_status: int = 200
    method: str = "GET"

    @property
    def skipped(self) -> bool:
        return self.url is None

    @property
    def failed(self) -> bool:
        return not self.skipped and self.status != self.expected_status

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.timings_ms, 95)


def percentile(values: Iterable[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with ``percent``% at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


@contextmanager
def bench_settings() -> Iterator[None]:
    """What the test client needs, whatever the settings: the 'testserver' host, and
    static files served from their sources (no collectstatic, DEBUG on or off).
    The API's rate limit is still counted on every request, but set high enough
    that the timed requests are not refused."""
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        API_RATE_LIMIT=10**9,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
    ):
        yield


def case_run(
    case: BenchCase, client: Client, *, warmup: int, repeat: int
) -> CaseResult:
    """Times ``repeat`` requests after ``warmup`` ones; queries come from one more."""
    url = case.resolve_url()
    if url is None:
        return CaseResult(name=case.name, url=None)

    def request():
        if case.method == "GET" and case.headers is None:
            return client.get(url)
        headers = case.headers() if case.headers else {}
        if case.body is None:
            return client.generic(case.method, url, headers=headers)
        return client.generic(
            case.method,
            url,
            data=case.body,
            content_type="application/json",
            headers=headers,
        )

    for _run in range(warmup):
        request()
    with CaptureQueriesContext(connection) as captured:
        response = request()
    # Read now: the next request clears the connection's query log.
    queries = len(captured.captured_queries)
    if response.status_code != case.status:
        return CaseResult(
            name=case.name,
            url=url,
            status=response.status_code,
            expected_status=case.status,
        )
    timings = []
    for _run in range(repeat):
        started = time.perf_counter()
        request()
        timings.append((time.perf_counter() - started) * 1000)
    return CaseResult(
        name=case.name,
        url=url,
        timings_ms=tuple(timings),
        queries=queries,
        status=response.status_code,
        expected_status=case.status,
        method=case.method,
    )


def cases_run(
    cases: Iterable[BenchCase],
    *,
    users: dict[Login, User | None],
    warmup: int,
    repeat: int,
) -> list[CaseResult]:
    """Runs each case as its login kind (``users[kind]``; None means anonymous)."""
    clients: dict[Login, Client] = {}
    results = []
    with bench_settings():
        for case in cases:
            client = clients.get(case.login)
            if client is None:
                client = clients[case.login] = Client(raise_request_exception=False)
                user = users.get(case.login)
                if user is not None:
                    client.force_login(user)
            results.append(case_run(case, client, warmup=warmup, repeat=repeat))
        for client in clients.values():
            client.logout()
    return results


def results_table(results: Iterable[CaseResult]) -> str:
    """A Markdown table, then the URL of each case."""
    results = list(results)
    lines = ["| case | median ms | p95 ms | queries |", "| --- | ---: | ---: | ---: |"]
    for result in results:
        if result.skipped:
            lines.append(f"| {result.name} | skipped: no data | | |")
        elif result.failed:
            lines.append(f"| {result.name} | failed: HTTP {result.status} | | |")
        else:
            lines.append(
                f"| {result.name} | {result.median_ms:.1f} | {result.p95_ms:.1f} "
                f"| {result.queries} |"
            )
    lines.append("")
    lines.extend(
        f"- {result.name}: `{result.method} {result.url}`"
        if result.method != "GET"
        else f"- {result.name}: `{result.url}`"
        for result in results
        if result.url
    )
    return "\n".join(lines)


def bench_users() -> dict[Login, User | None]:
    """Who requests the pages: the demo superuser and the demo customer of seed_demo."""
    from django.contrib.auth import get_user_model

    from customers.management.commands.seed_demo import ADMIN_EMAIL, CUSTOMER_EMAIL

    users: dict[Login, User | None] = {"anonymous": None}
    for login, email in (("staff", ADMIN_EMAIL), ("customer", CUSTOMER_EMAIL)):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise LookupError(f"No {email} login: run seed_demo first.")
        users[cast(Login, login)] = user
    return users


def report(results: list[CaseResult], *, warmup: int, repeat: int) -> str:
    """The table with a line saying what was measured, on what."""
    from customers.models import Customer

    return (
        f"Clientela bench: {Customer.objects.count():,} customers on "
        f"{connection.vendor}; median and p95 of {repeat} requests after {warmup} "
        f"warm-up(s).\n\n{results_table(results)}\n"
    )
