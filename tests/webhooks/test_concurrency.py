"""Two workers never send the same row: a row another transaction holds is
skipped (PostgreSQL's SKIP LOCKED), not waited for or taken twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.webhooks.support import subscribe
from webhooks.models import Delivery
from webhooks.services import RETRY_WINDOW
from webhooks.services.sending import deliveries_claim

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's"
    ),
]


def test_a_row_held_by_another_worker_is_skipped():
    subscription = subscribe("http://127.0.0.1:9/hook", ["order.paid"]).subscription
    # Written directly: here a commit's own send task would take them first.
    first, second = (
        Delivery.objects.create(
            subscription=subscription,
            event_id=f"evt_{n}",
            event_type="order.paid",
            payload={},
            due_at=timezone.now(),
            give_up_at=timezone.now() + RETRY_WINDOW,
        )
        for n in range(2)
    )
    held, release, claimed = threading.Event(), threading.Event(), []

    def other_worker():
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=first.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    def this_worker():
        try:
            claimed.extend(deliveries_claim(now=timezone.now(), limit=10))
        finally:
            connections.close_all()

    holder = threading.Thread(target=other_worker)
    holder.start()
    assert held.wait(10)
    claimer = threading.Thread(target=this_worker)
    claimer.start()
    claimer.join(10)
    release.set()
    holder.join(10)
    assert not claimer.is_alive()
    assert [delivery.pk for delivery in claimed] == [second.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attempts, second.attempts) == (0, 1)
