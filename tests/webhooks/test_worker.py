"""The worker against a real receiver on 127.0.0.1: retries with backoff held in
``due_at``, the attempt log, the signature, giving up, disabling (both databases)."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from balance.services import Author, balance_credit
from tests.customers.factories import CustomerFactory
from tests.webhooks.support import doc_verify_signature, subscribe
from webhooks.models import Delivery, Subscription
from webhooks.services import (
    RETRY_WINDOW,
    SIGNATURE_HEADER,
    deliveries_send_due,
    retry_delay,
    subscription_enable,
)
from webhooks.tasks import webhooks_run_task

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def _credit(customer, key="k1", amount="12.50"):
    return balance_credit(
        customer_id=customer.pk,
        amount=Decimal(amount),
        author=Author.system("test"),
        idempotency_key=key,
    )


def _due_now():
    Delivery.objects.filter(state=Delivery.State.PENDING).update(due_at=timezone.now())


def test_worker_retries_until_the_receiver_answers(receiver):
    receiver.script = [500, 500]
    created = subscribe(receiver.url, ["entry.posted"])
    customer = CustomerFactory()
    entry = _credit(customer)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING

    report = deliveries_send_due()
    assert (report.delivered, report.retrying) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500
    assert delivery.due_at > timezone.now()  # waits in the database
    assert deliveries_send_due().sent == 0  # not due yet

    _due_now()
    deliveries_send_due()
    _due_now()
    report = deliveries_send_due()
    assert report.delivered == 1

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED
    assert delivery.delivered_at is not None
    assert delivery.attempts == 3
    log = list(delivery.attempt_log.all())
    assert [attempt.status_code for attempt in log] == [500, 500, 200]
    assert "receiver is down" in log[0].error and log[2].error == ""
    assert all(attempt.at is not None for attempt in log)

    # One event, sent three times with the same id and body.
    assert len(receiver.requests) == 3
    bodies = {request.body for request in receiver.requests}
    assert len(bodies) == 1
    payload = json.loads(bodies.pop())
    assert payload["type"] == "entry.posted"
    assert payload["id"] == delivery.event_id
    assert payload["data"]["entry_id"] == entry.pk
    assert payload["data"]["amount"] == "12.50"
    assert payload["data"]["customer_id"] == customer.pk
    assert payload["created"].startswith(str(timezone.now().year))
    last = receiver.requests[-1]
    assert last.headers["Clientela-Event-Id"] == delivery.event_id
    assert last.path == "/hooks/clientela"

    # The snippet of the docs accepts the signature; a changed body or secret not.
    verify = doc_verify_signature()
    header = last.headers[SIGNATURE_HEADER]
    assert verify(created.secret, last.body, header)
    assert not verify(created.secret, last.body + b" ", header)
    assert not verify("whsec_other", last.body, header)

    assert Subscription.objects.get().failing_since is None  # reset by the success


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    for attempts, base in [(1, 30), (2, 60), (3, 120), (6, 960)]:
        delay = retry_delay(attempts, rng=rng).total_seconds()
        assert base * 0.8 <= delay <= base * 1.2, (attempts, delay)
    for attempts in (12, 40, 10_000):
        delay = retry_delay(attempts, rng=rng)
        assert timedelta(hours=4.8) <= delay <= timedelta(hours=7.2)


def test_due_at_follows_the_backoff_and_stops_at_the_window(receiver):
    receiver.script = [500] * 10
    subscribe(receiver.url, ["entry.posted"])
    _credit(CustomerFactory())
    before = timezone.now()
    deliveries_send_due()
    delivery = Delivery.objects.get()
    wait = delivery.due_at - before
    assert timedelta(seconds=24) <= wait <= timedelta(seconds=37)

    # Near the end of the window the next try is at its end, and a failure there
    # is final.
    Delivery.objects.update(
        attempts=15,
        due_at=timezone.now(),
        give_up_at=timezone.now() + timedelta(minutes=1),
    )
    deliveries_send_due()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.due_at == delivery.give_up_at
    Delivery.objects.update(
        due_at=timezone.now(), give_up_at=timezone.now() - timedelta(seconds=1)
    )
    report = deliveries_send_due()
    assert report.failed == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempt_log.count() == 3
    assert deliveries_send_due().sent == 0


def test_three_days_of_failures_disable_and_email_the_managers_once(
    receiver, manager_user, staff_user, django_capture_on_commit_callbacks
):
    receiver.script = [503] * 5
    created = subscribe(receiver.url, ["entry.posted"])
    _credit(CustomerFactory())
    Subscription.objects.update(
        failing_since=timezone.now() - RETRY_WINDOW - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = deliveries_send_due()
    assert report.disabled == [receiver.url]
    subscription = Subscription.objects.get()
    assert not subscription.active
    assert subscription.disabled_at is not None
    assert "503" in subscription.disabled_reason
    assert len(mail.outbox) == 1
    (message,) = mail.outbox
    assert message.to == [manager_user.email]
    assert receiver.url in message.subject
    assert f"/staff/settings/webhooks/{subscription.pk}/" in message.body

    # Disabled: nothing more is written or sent, nobody is e-mailed again.
    _credit(CustomerFactory(), key="k2")
    assert Delivery.objects.count() == 1
    _due_now()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due().sent == 0
    assert len(mail.outbox) == 1
    assert len(receiver.requests) == 1

    # Enabled again, what waited is tried again.
    receiver.script = []
    subscription_enable(subscription_id=created.subscription.pk)
    assert deliveries_send_due().delivered == 1


def test_a_private_address_is_refused_at_send_time(receiver, settings):
    subscribe(receiver.url, ["entry.posted"])
    _credit(CustomerFactory())
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.DEBUG = True  # plain http allowed: only the address is refused
    report = deliveries_send_due()
    assert report.retrying == 1
    (attempt,) = Delivery.objects.get().attempt_log.all()
    assert attempt.status_code is None
    assert "private or local address (127.0.0.1)" in attempt.error
    assert receiver.requests == []


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(settings):
    import socket

    settings.WEBHOOKS_TIMEOUT = 1
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/", ["entry.posted"])
        _credit(CustomerFactory())
        assert deliveries_send_due().retrying == 1
    finally:
        silent.close()
    (attempt,) = Delivery.objects.get().attempt_log.all()
    assert attempt.status_code is None
    assert "timed out" in attempt.error.lower()
    assert attempt.duration_ms >= 900


def test_a_claimed_row_lost_by_its_worker_is_sent_after_the_lease(receiver):
    from webhooks.services.sending import CLAIM_LEASE, deliveries_claim

    subscribe(receiver.url, ["entry.posted"])
    _credit(CustomerFactory())
    (claimed,) = deliveries_claim(now=timezone.now(), limit=10)
    # The worker dies here: the row is still pending, out of reach for a while.
    assert deliveries_send_due().sent == 0
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.due_at >= timezone.now() + CLAIM_LEASE - timedelta(seconds=5)
    _due_now()
    assert deliveries_send_due().delivered == 1
    assert len(receiver.requests) == 1


def test_the_beat_task_and_the_command_send_what_is_due(receiver):
    subscribe(receiver.url, ["entry.posted"])
    _credit(CustomerFactory(), key="a")
    assert webhooks_run_task.apply().get() == 1
    _credit(CustomerFactory(), key="b")
    out = StringIO()
    call_command("run_webhooks", stdout=out)
    assert "1 deliveries sent: 1 delivered, 0 to retry, 0 failed" in out.getvalue()
    call_command("run_webhooks", stdout=out)
    assert "0 deliveries sent" in out.getvalue()
    assert len(receiver.requests) == 2


def test_a_commit_sends_at_once(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver.url, ["entry.posted"])
    with django_capture_on_commit_callbacks(execute=True):
        _credit(CustomerFactory())
    assert Delivery.objects.get().state == Delivery.State.DELIVERED
    assert len(receiver.requests) == 1
    assert deliveries_send_due().sent == 0  # the beat job finds nothing to redo
