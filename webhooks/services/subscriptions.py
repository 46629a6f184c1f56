"""Subscriptions: create (the secret shown once), edit, rotate the secret, disable
and enable; the cached set of event types someone is subscribed to."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webhooks.catalog import EVENTS
from webhooks.guard import url_check
from webhooks.models import Delivery, Subscription
from webhooks.services.outbox import RETRY_WINDOW

ACTIVE_TYPES_CACHE_KEY = "webhooks:active-event-types"
# A process that did not see the change (another web process with the default
# in-memory cache) learns of it within this time; a shared cache learns at once.
ACTIVE_TYPES_CACHE_SECONDS = 60
# After a rotation the replaced secret also signs for this long.
ROTATION_OVERLAP = timedelta(hours=24)


def active_event_types() -> frozenset[str]:
    """The event types at least one active subscription wants (cached)."""
    types = cache.get(ACTIVE_TYPES_CACHE_KEY)
    if types is None:
        types = frozenset(
            event
            for events in Subscription.objects.filter(active=True).values_list(
                "events", flat=True
            )
            for event in events
        )
        cache.set(ACTIVE_TYPES_CACHE_KEY, types, ACTIVE_TYPES_CACHE_SECONDS)
    return types


def active_event_types_forget() -> None:
    """Called by every change of subscriptions: now and again after the commit (a
    process reading in between would cache the old set)."""
    cache.delete(ACTIVE_TYPES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ACTIVE_TYPES_CACHE_KEY))


def _events_check(events: Sequence[str]) -> list[str]:
    chosen = sorted(set(events))
    if not chosen:
        raise ValidationError(
            {"events": _("Pick at least one event.")}, code="no_events"
        )
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": _("Unknown event: %(events)s.")
                % {"events": ", ".join(unknown)}
            },
            code="unknown_event",
        )
    return chosen


def _url_check(url: str) -> str:
    url = (url or "").strip()
    if len(url) > Subscription._meta.get_field("url").max_length:  # type: ignore[operator]
        raise ValidationError(
            {"url": _("The URL is too long (500 characters at most).")},
            code="url_too_long",
        )
    try:
        url_check(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}, code=error.code) from error
    return url


def secret_generate() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: Subscription
    secret: str


@transaction.atomic(durable=True)
def subscription_create(
    *, url: str, events: Sequence[str], description: str = "", created_by
) -> CreatedSubscription:
    """A new active subscription; its secret is returned to be shown once."""
    url = _url_check(url)
    chosen = _events_check(events)
    secret = secret_generate()
    subscription = Subscription.objects.create(
        url=url,
        events=chosen,
        description=(description or "").strip()[:100],
        secret=secret,
        created_by=created_by,
    )
    active_event_types_forget()
    return CreatedSubscription(subscription, secret)


@dataclass(frozen=True)
class RotatedSecret:
    subscription: Subscription
    secret: str


@transaction.atomic(durable=True)
def subscription_secret_rotate(*, subscription_id: int) -> RotatedSecret:
    """A new secret, returned to be shown once. The one it replaces also signs
    for ``ROTATION_OVERLAP`` (two ``v1=`` in the header); a secret replaced
    earlier stops signing now."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    secret = secret_generate()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    subscription.secret = secret
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_until"]
    )
    return RotatedSecret(subscription, secret)


@transaction.atomic(durable=True)
def subscription_update(
    *, subscription_id: int, url: str, events: Sequence[str], description: str = ""
) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    subscription.url = _url_check(url)
    subscription.events = _events_check(events)
    subscription.description = (description or "").strip()[:100]
    subscription.save(update_fields=["url", "events", "description"])
    active_event_types_forget()
    return subscription


def subscription_disable_locked(subscription: Subscription, *, reason: str) -> bool:
    """Disables the (locked) subscription; ``False`` if it already was."""
    if not subscription.active:
        return False
    subscription.active = False
    subscription.disabled_at = timezone.now()
    subscription.disabled_reason = reason[:200]
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
    active_event_types_forget()
    return True


@transaction.atomic(durable=True)
def subscription_disable(*, subscription_id: int, user) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    label = user.get_full_name() or user.email
    subscription_disable_locked(
        subscription, reason=_("Disabled by %(user)s.") % {"user": label}
    )
    return subscription


@transaction.atomic(durable=True)
def subscription_enable(*, subscription_id: int) -> Subscription:
    """Active again; its failures are forgotten (the receiver was fixed)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.active:
        return subscription
    subscription.active = True
    subscription.disabled_at = None
    subscription.disabled_reason = ""
    subscription.failing_since = None
    subscription.save(
        update_fields=["active", "disabled_at", "disabled_reason", "failing_since"]
    )
    # What waited while it was off is tried again, with a full retry window.
    now = timezone.now()
    subscription.deliveries.filter(state=Delivery.State.PENDING).update(
        due_at=now, give_up_at=now + RETRY_WINDOW
    )
    active_event_types_forget()
    return subscription
