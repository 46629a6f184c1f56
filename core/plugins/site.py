"""Site-wide hooks: role permissions, demo data, languages, visitor attribution."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class RolePermissions:
    """Permissions an app grants to a built-in group ("Staff" or "Manager")."""

    key: str
    group: str
    permissions: tuple[str, ...] = field(default_factory=tuple)
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """A module's demo data, added by ``manage.py seed_demo`` after the customers.

    ``seed(customers, *, seed, log)`` receives the demo customers (a queryset), the
    random seed and a function printing a line of progress. Running it again must add
    only what is missing.
    """

    key: str
    seed: Callable[..., Any]
    order: int = 100


@dataclass(frozen=True)
class LanguageChoice:
    """Told when a logged-in person picks a language with the switcher.

    ``remember(request, language)`` saves it where the app keeps the person's
    preferred language (core saves a staff member's itself).
    """

    key: str
    remember: Callable[[HttpRequest, str], None]
    order: int = 100


@dataclass(frozen=True)
class VisitorAttribution:
    """Told, with the request, when a visitor becomes a customer or a customer is
    about to place an order, so an app can read what the request carries (a
    referral link's cookie) and record where the customer came from.

    ``attribute(request, customer, moment)``: ``moment`` is ``"signup"`` (called
    by the sign-up once the customer exists) or ``"order"`` (called by the checkout
    just before the order is placed). It runs in its own transaction, must not
    raise for what the visitor sent, and changes nothing the caller relies on.
    """

    key: str
    attribute: Callable[[HttpRequest, Any, str], None]
    order: int = 100


@dataclass(frozen=True)
class EventSink:
    """A listener of ``core.events`` (webhooks): told of the events it wants.

    ``wants(event_type)`` must be cheap (a cached lookup): publishers ask it before
    building anything, for every ledger entry. ``publish(events)`` receives a list
    of ``core.events.Event`` inside the publisher's transaction.
    """

    key: str
    wants: Callable[[str], bool]
    publish: Callable[[Any], None]
    order: int = 100
