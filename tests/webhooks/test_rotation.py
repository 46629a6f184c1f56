"""Rotating a webhook's secret: the new one shown once, both signing for 24 hours
(two ``v1=``, checked with the docs' snippet), then the new one only; and who is
told when a webhook is disabled (Managers and superusers, once each)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from balance.services import Author, balance_credit
from tests.core.factories import StaffFactory, UserFactory
from tests.customers.factories import CustomerFactory
from tests.webhooks.support import doc_verify_signature, subscribe
from webhooks.models import Subscription
from webhooks.services import (
    RETRY_WINDOW,
    ROTATION_OVERLAP,
    SIGNATURE_HEADER,
    deliveries_send_due,
    signature_header,
    subscription_secret_rotate,
)

pytestmark = pytest.mark.django_db

LIST = "/staff/settings/webhooks/"
HOOK = "http://127.0.0.1:9/hook"


def _credit(key: str):
    balance_credit(
        customer_id=CustomerFactory().pk,
        amount=Decimal("12.50"),
        author=Author.system("test"),
        idempotency_key=key,
    )


def _last_signature(receiver) -> tuple[bytes, str]:
    deliveries_send_due()
    last = receiver.requests[-1]
    return last.body, last.headers[SIGNATURE_HEADER]


def test_a_manager_rotates_and_sees_the_new_secret_once(client, manager_user):
    created = subscribe(HOOK, ["order.paid"])
    client.force_login(manager_user)
    page = f"{LIST}{created.subscription.pk}/"
    assert "Rotate secret" in client.get(page).content.decode()
    response = client.post(f"{page}rotate-secret/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'data-testid="webhook-secret">(whsec_[^<]+)<', html).group(1)
    subscription = Subscription.objects.get()
    assert secret == subscription.secret != created.secret
    assert subscription.previous_secret == created.secret
    assert 'data-testid="webhook-rotation"' in html
    later = client.get(page).content.decode()
    assert secret not in later and created.secret not in later
    assert 'data-testid="webhook-rotation"' in later  # the overlap is said


def test_staff_who_are_not_managers_may_not_rotate(staff_client):
    created = subscribe(HOOK, ["order.paid"])
    response = staff_client.post(f"{LIST}{created.subscription.pk}/rotate-secret/")
    assert response.status_code == 403
    assert Subscription.objects.get().secret == created.secret


@pytest.mark.both_dbs
def test_both_secrets_sign_for_a_day_then_only_the_new_one(receiver):
    created = subscribe(receiver.url, ["entry.posted"])
    verify = doc_verify_signature()
    _credit("before")
    body, header = _last_signature(receiver)
    assert header.count("v1=") == 1 and verify(created.secret, body, header)

    rotated = subscription_secret_rotate(subscription_id=created.subscription.pk)
    _credit("during")
    body, header = _last_signature(receiver)
    # Two v1=, the new secret's first (as Stripe's).
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert header == signature_header([rotated.secret, created.secret], timestamp, body)
    # A receiver holding either secret accepts it; another secret is refused.
    assert verify(rotated.secret, body, header)
    assert verify(created.secret, body, header)
    assert not verify("whsec_other", body, header)
    assert not verify(rotated.secret, body + b" ", header)

    # 24 hours later only the new secret signs.
    Subscription.objects.update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    _credit("after")
    body, header = _last_signature(receiver)
    assert header.count("v1=") == 1
    assert verify(rotated.secret, body, header)
    assert not verify(created.secret, body, header)


def test_a_second_rotation_drops_the_oldest_secret():
    created = subscribe(HOOK, ["order.paid"])
    pk = created.subscription.pk
    first = subscription_secret_rotate(subscription_id=pk)
    second = subscription_secret_rotate(subscription_id=pk)
    subscription = Subscription.objects.get()
    now = timezone.now()
    assert subscription.signing_secrets(now) == [second.secret, first.secret]
    assert created.secret not in subscription.signing_secrets(now)
    assert subscription.previous_secret_until > now + ROTATION_OVERLAP - timedelta(
        minutes=1
    )
    assert subscription.signing_secrets(now + ROTATION_OVERLAP) == [second.secret]


@pytest.mark.both_dbs
def test_a_disabled_webhook_emails_managers_and_superusers_once_each(
    receiver, manager_user, staff_user, django_capture_on_commit_callbacks
):
    superuser = UserFactory(email="root@example.com", is_superuser=True)
    both = StaffFactory(email="boss@example.com", is_superuser=True, groups=["Manager"])
    UserFactory(email="gone@example.com", is_superuser=True, is_active=False)
    UserFactory(email="", is_superuser=True)
    receiver.script = [503]
    subscribe(receiver.url, ["entry.posted"])
    _credit("k1")
    Subscription.objects.update(
        failing_since=timezone.now() - RETRY_WINDOW - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due().disabled == [receiver.url]
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([manager_user.email, superuser.email, both.email])
    assert staff_user.email not in recipients
