"""The registry of benchmark cases.

A case is a name, a URL and who asks for it. The URL may be a callable, called when the
benchmark runs (after seeding), for URLs that need data: it returns the URL, or ``None``
when there is nothing to measure (the case is then skipped).

The cases shipped with Clientela live in ``bench/standard_cases.py``; an app adds its
own in a ``bench_cases.py`` module of its package::

    from bench.cases import register

    register("balance ledger", lambda: reverse("balance:ledger", args=[...]))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.utils.module_loading import autodiscover_modules

Login = Literal["staff", "customer", "anonymous"]
LOGINS: tuple[Login, ...] = ("staff", "customer", "anonymous")


@dataclass(frozen=True)
class BenchCase:
    """One page to time: ``url`` is a path, or a callable returning one (or None).

    An API request gives its ``method``, ``body`` (JSON text) and ``headers``: a
    callable called before every request (a new ``Idempotency-Key`` each time), and
    the ``status`` it answers when it works (201 for a POST that creates).
    """

    name: str
    url: str | Callable[[], str | None]
    login: Login = "staff"
    order: int = 100
    method: str = "GET"
    body: str | None = None
    headers: Callable[[], dict[str, str]] | None = None
    status: int = 200

    def resolve_url(self) -> str | None:
        return self.url() if callable(self.url) else self.url


_cases: dict[str, BenchCase] = {}


def register(
    name: str,
    url: str | Callable[[], str | None],
    *,
    login: Login = "staff",
    order: int = 100,
    method: str = "GET",
    body: str | None = None,
    headers: Callable[[], dict[str, str]] | None = None,
    status: int = 200,
) -> BenchCase:
    """Adds a case; ``login`` is who requests it: staff, customer or anonymous."""
    if login not in LOGINS:
        raise ValueError(f"Bench case {name!r}: unknown login {login!r}.")
    case = BenchCase(
        name=name,
        url=url,
        login=login,
        order=order,
        method=method,
        body=body,
        headers=headers,
        status=status,
    )
    existing = _cases.get(name)
    if existing is not None and existing != case:
        raise ValueError(f"Bench case {name!r} is registered twice.")
    _cases[name] = case
    return case


def unregister(name: str) -> None:
    _cases.pop(name, None)


def cases_discover() -> None:
    """Loads the standard cases and every installed app's ``bench_cases`` module."""
    import bench.standard_cases  # noqa: F401 - registers on import

    autodiscover_modules("bench_cases")


def registered_cases() -> list[BenchCase]:
    cases_discover()
    return sorted(_cases.values(), key=lambda case: (case.order, case.name))
