"""Listening to ``core.automation_events`` in tests: which triggers were sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from core.automation_events import automation_event


@dataclass(frozen=True)
class SentEvent:
    trigger: str
    customer_id: int
    entry_key: str
    payload: dict[str, Any] = field(default_factory=dict)
    # Whether the sender was inside a transaction (it must be: the enrolment
    # commits or rolls back with the change).
    in_transaction: bool = True


@contextmanager
def events_sent(*triggers: str) -> Iterator[list[SentEvent]]:
    """The events sent meanwhile (only ``triggers`` if given), in order."""
    sent: list[SentEvent] = []

    def receiver(sender, *, trigger, customer_id, entry_key, payload, **kwargs):
        if triggers and trigger not in triggers:
            return
        sent.append(
            SentEvent(
                trigger,
                customer_id,
                entry_key,
                dict(payload),
                connection.in_atomic_block,
            )
        )

    automation_event.connect(receiver, weak=False, dispatch_uid="tests.events_sent")
    try:
        yield sent
    finally:
        automation_event.disconnect(dispatch_uid="tests.events_sent")


@contextmanager
def events_committed(*triggers: str) -> Iterator[list[SentEvent]]:
    """The events whose sender's transaction committed (run the test's on-commit
    callbacks with ``django_capture_on_commit_callbacks(execute=True)``): an event
    sent in a transaction that rolls back never gets here."""
    committed: list[SentEvent] = []

    def receiver(sender, *, trigger, customer_id, entry_key, payload, **kwargs):
        if triggers and trigger not in triggers:
            return
        event = SentEvent(trigger, customer_id, entry_key, dict(payload))
        transaction.on_commit(lambda: committed.append(event))

    automation_event.connect(
        receiver, weak=False, dispatch_uid="tests.events_committed"
    )
    try:
        yield committed
    finally:
        automation_event.disconnect(dispatch_uid="tests.events_committed")
