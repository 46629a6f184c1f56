"""The worker's side: claim due deliveries, send them signed, log each attempt,
retry with backoff (``due_at`` in the database), give up after three days.

A claim moves the row's ``due_at`` a lease ahead in a short transaction that
commits before anything is sent: a worker killed mid-send leaves the row pending,
and another worker sends it again once the lease is over (at least once; receivers
dedupe by the event id). Two workers never send the same row at the same time:
the claim skips rows another transaction holds (``SKIP LOCKED`` on PostgreSQL;
SQLite has one writer at a time).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import EmailRequest, email_queue_many
from core.site import absolute_url
from webhooks.guard import connection_open, url_check
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.services.outbox import RETRY_WINDOW
from webhooks.services.subscriptions import subscription_disable_locked

SIGNATURE_HEADER = "Clientela-Signature"
# A claimed row is tried again after this if its worker never reported back.
CLAIM_LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
# A subscription whose every attempt failed for this long is disabled.
FAILING_WINDOW = RETRY_WINDOW
ERROR_LENGTH = 500


def signature_header(secret: str | Sequence[str], timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (as Stripe's), one
    ``v1`` per secret (two while a rotated secret still signs)."""
    signed = f"{timestamp}.".encode() + body
    keys = [secret] if isinstance(secret, str) else list(secret)
    digests = [
        hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in keys
    ]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def body_encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s doubled each time, at
    most 6 hours, then ±20 % jitter (receivers coming back are not hit at once)."""
    exponent = min(max(attempts - 1, 0), 20)
    base = min(FIRST_RETRY * (2**exponent), LONGEST_RETRY)
    jitter = (rng or random).uniform(0.8, 1.2)
    return base * jitter


@dataclass
class SendOutcome:
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _timeout() -> float:
    return min(max(float(getattr(settings, "WEBHOOKS_TIMEOUT", 10)), 1.0), 60.0)


def delivery_http_send(delivery: Delivery, subscription: Subscription) -> SendOutcome:
    """POSTs the delivery once, to the address checked now (never raises)."""
    started = time.monotonic()
    outcome = SendOutcome()
    try:
        target = url_check(subscription.url)
    except ValidationError as error:
        outcome.error = " ".join(error.messages)
        return outcome
    body = body_encode(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Clientela-Webhooks/1",
        "Clientela-Event-Id": delivery.event_id,
        "Clientela-Event-Type": delivery.event_type,
        SIGNATURE_HEADER: signature_header(
            subscription.signing_secrets(timezone.now()), int(time.time()), body
        ),
    }
    http = connection_open(target, timeout=_timeout())
    try:
        http.request("POST", target.path, body=body, headers=headers)
        response = http.getresponse()
        outcome.status_code = response.status
        if not outcome.succeeded:
            excerpt = response.read(300).decode("utf-8", "replace").strip()
            outcome.error = f"HTTP {response.status} {response.reason}: {excerpt}"
    except (OSError, ValueError, HTTPException) as error:  # timeout, refused, TLS
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        http.close()
        outcome.duration_ms = int((time.monotonic() - started) * 1000)
    outcome.error = outcome.error[:ERROR_LENGTH]
    return outcome


def deliveries_claim(
    *, now: datetime, limit: int, delivery_id: int | None = None
) -> list[Delivery]:
    """Takes up to ``limit`` due deliveries of active subscriptions for this worker
    (see the module doc) and commits the claim."""
    with transaction.atomic():
        due = Delivery.objects.filter(
            state=Delivery.State.PENDING,
            due_at__lte=now,
            subscription__active=True,
        ).order_by("due_at", "pk")
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        claimed = list(due.select_related("subscription")[:limit])
        if claimed:
            Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
                due_at=now + CLAIM_LEASE, attempts=F("attempts") + 1
            )
    return claimed


def _people_to_tell() -> list:
    """The active Managers and superusers with an e-mail, once per person (a
    superuser in the Manager group, or two accounts of one address, get one)."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name="Manager") | Q(is_superuser=True))
        .filter(is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    seen: set[str] = set()
    people = []
    for user in users:
        address = user.email.strip().lower()
        if address and address not in seen:
            seen.add(address)
            people.append(user)
    return people


def _managers_email(subscription: Subscription) -> None:
    """Tells the Managers and superusers, once per disabling, that the
    subscription stopped."""
    managers = _people_to_tell()
    url = absolute_url(reverse("webhooks:staff_detail", kwargs={"pk": subscription.pk}))
    disabled_at = subscription.disabled_at or timezone.now()
    email_queue_many(
        EmailRequest(
            event_key=f"webhooks.disabled:{subscription.pk}:{disabled_at.isoformat()}"
            f":{manager.pk}",
            to=manager.email,
            template="webhooks_subscription_disabled",
            context={
                "url": subscription.url,
                "days": FAILING_WINDOW.days,
                "error": subscription.disabled_reason,
                "link": url,
            },
            language=manager.language or None,
        )
        for manager in managers
    )


@dataclass
class RunReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.delivered + self.retrying + self.failed


@transaction.atomic(durable=True)
def delivery_attempt_record(
    *, delivery_id: int, outcome: SendOutcome, at: datetime, report: RunReport
) -> Delivery:
    """Logs the attempt and moves the delivery on: delivered, retried later, or
    failed (past its window); a subscription failing for 3 days is disabled."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    subscription = Subscription.objects.select_for_update().get(
        pk=delivery.subscription_id
    )
    Attempt.objects.create(
        delivery=delivery,
        at=at,
        status_code=outcome.status_code,
        duration_ms=min(outcome.duration_ms, 2**31 - 1),
        error=outcome.error,
    )
    now = timezone.now()
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if delivery.state != Delivery.State.PENDING:
        pass  # reported twice (a lease ran out mid-send): the log says it all
    elif outcome.succeeded:
        delivery.state = Delivery.State.DELIVERED
        delivery.delivered_at = now
        report.delivered += 1
        if subscription.failing_since is not None:
            subscription.failing_since = None
            subscription.save(update_fields=["failing_since"])
    else:
        if now >= delivery.give_up_at:
            delivery.state = Delivery.State.FAILED
            report.failed += 1
        else:
            delivery.due_at = min(
                now + retry_delay(delivery.attempts), delivery.give_up_at
            )
            report.retrying += 1
        if subscription.failing_since is None:
            subscription.failing_since = at
            subscription.save(update_fields=["failing_since"])
        elif subscription.failing_since <= now - FAILING_WINDOW:
            reason = _(
                "Every delivery failed for %(days)s days. Last error: %(error)s"
            ) % {"days": FAILING_WINDOW.days, "error": outcome.error}
            if subscription_disable_locked(subscription, reason=reason):
                _managers_email(subscription)
                report.disabled.append(subscription.url)
    delivery.save(
        update_fields=[
            "state",
            "due_at",
            "last_status_code",
            "last_error",
            "delivered_at",
        ]
    )
    return delivery


def deliveries_send_due(
    *,
    limit: int = 50,
    delivery_id: int | None = None,
    report: RunReport | None = None,
) -> RunReport:
    """Claims and sends one batch of due deliveries; top-level (own transactions)."""
    report = report or RunReport()
    for delivery in deliveries_claim(
        now=timezone.now(), limit=limit, delivery_id=delivery_id
    ):
        at = timezone.now()
        outcome = delivery_http_send(delivery, delivery.subscription)
        delivery_attempt_record(
            delivery_id=delivery.pk, outcome=outcome, at=at, report=report
        )
    return report


def webhooks_run(*, seconds: float = 45, batch: int = 50) -> RunReport:
    """Sends batches until nothing is due or ``seconds`` are spent (the job of a
    minute: the next run goes on)."""
    report = RunReport()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = report.sent
        deliveries_send_due(limit=batch, report=report)
        if report.sent - before < batch:
            break
    return report
