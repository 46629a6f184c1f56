"""Events for listeners outside the funnels (webhooks): what happened, as JSON.

An app that owns the data publishes an event by type and occurrence key, never
importing the listener::

    if events_wanted("entry.posted"):
        events_publish([Event("entry.posted", key=f"entry:{entry.pk}", data={...})])

``data`` is JSON-ready (amounts as strings, dates in ISO 8601), built by the app
that owns the object. ``key`` names the occurrence: the same (type, key) published
twice is one event (its ``event_id``). Listeners run inside the publisher's
transaction, so what they write (a webhook's outbox row) commits or rolls back
with the change.

``events_wanted`` is the cheap check to make first: with nobody listening to the
type (no sink installed, or no webhook subscribed to it) it is one cached lookup,
and the publisher builds nothing. The funnels' ``automation_event_send`` is not
published here: the app that fires a trigger publishes its event itself, with the
object's fields (``balance.events``, ``customers.events``, ``selling.events``,
``expirations.events``, ``referrals.events``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from core import plugins

_EVENT_NAMESPACE = uuid.UUID("0b6f8f3e-6c1a-4f4e-9a57-3f1f3c0f5d21")


@dataclass(frozen=True)
class Event:
    """One occurrence of ``type`` (see the module doc)."""

    type: str
    key: str
    data: dict[str, Any]
    created: datetime = field(default_factory=timezone.now)

    @property
    def event_id(self) -> str:
        """Stable for the same (type, key): a receiver dedupes on it."""
        return f"evt_{uuid.uuid5(_EVENT_NAMESPACE, f'{self.type}:{self.key}').hex}"


def events_wanted(event_type: str) -> bool:
    """Whether any installed sink listens to ``event_type`` now (cheap: cached)."""
    return any(sink.wants(event_type) for sink in plugins.event_sinks)


def events_publish(events: Sequence[Event]) -> None:
    """Hands ``events`` to the sinks that want their types, in one call each (a
    batch of credits is one insert of outbox rows, not one per credit)."""
    if not events:
        return
    for sink in plugins.event_sinks:
        wanted = [event for event in events if sink.wants(event.type)]
        if wanted:
            sink.publish(wanted)
