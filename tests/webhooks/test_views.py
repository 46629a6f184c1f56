"""Settings → Webhooks: Managers only; the secret shown once; the delivery log and
its buttons."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from core.events import Event, events_publish
from tests.webhooks.support import subscribe
from webhooks.models import Attempt, Delivery, Subscription

pytestmark = pytest.mark.django_db

LIST = "/staff/settings/webhooks/"
HOOK = "http://127.0.0.1:9/hook"


def _detail(subscription) -> str:
    return f"{LIST}{subscription.pk}/"


def test_manager_creates_a_webhook_and_sees_its_secret_once(client, manager_user):
    client.force_login(manager_user)
    response = client.post(
        LIST,
        {"url": HOOK, "description": "CRM", "events": ["order.paid", "entry.posted"]},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(
        r'data-testid="webhook-secret">(whsec_[^<]+)<', response.content.decode()
    ).group(1)
    subscription = Subscription.objects.get()
    assert subscription.secret == secret
    assert subscription.events == ["entry.posted", "order.paid"]
    assert subscription.created_by == manager_user
    assert subscription.active
    assert secret not in client.get(LIST).content.decode()
    assert secret not in client.get(_detail(subscription)).content.decode()


def test_a_private_url_is_refused_with_a_message(client, manager_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    client.force_login(manager_user)
    response = client.post(
        LIST, {"url": "https://192.168.1.20/hook", "events": ["order.paid"]}
    )
    assert response.status_code == 400
    assert "points to a private or local address (192.168.1.20)" in (
        response.content.decode()
    )
    assert not Subscription.objects.exists()


def test_staff_who_are_not_managers_get_403(staff_client):
    created = subscribe(HOOK, ["order.paid"])
    subscription = created.subscription
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id="evt_1",
        event_type="order.paid",
        payload={},
        due_at=timezone.now(),
        give_up_at=timezone.now(),
    )
    assert staff_client.get(LIST).status_code == 403
    assert staff_client.get(_detail(subscription)).status_code == 403
    posts = [
        (LIST, {"url": HOOK, "events": ["order.paid"]}),
        (_detail(subscription), {"url": HOOK, "events": ["order.refunded"]}),
        (f"{_detail(subscription)}toggle/", {}),
        (f"{_detail(subscription)}test/", {}),
        (f"{LIST}deliveries/{delivery.pk}/resend/", {}),
    ]
    for url, data in posts:
        assert staff_client.post(url, data).status_code == 403, url
    subscription.refresh_from_db()
    assert subscription.active and subscription.events == ["order.paid"]
    assert Subscription.objects.count() == 1 and Delivery.objects.count() == 1


def test_the_settings_page_lists_webhooks_for_managers_only(
    client, manager_user, staff_user
):
    client.force_login(manager_user)
    assert LIST in client.get("/staff/settings/").content.decode()
    client.force_login(staff_user)
    assert LIST not in client.get("/staff/settings/").content.decode()


def test_the_delivery_log_shows_each_attempt(
    client, manager_user, django_assert_max_num_queries
):
    subscription = subscribe(HOOK, ["order.paid"]).subscription
    for n in range(3):
        events_publish([Event("order.paid", key=f"o{n}", data={"order_id": n})])
    for delivery in Delivery.objects.all():
        for status in (500, 200):
            Attempt.objects.create(
                delivery=delivery,
                at=timezone.now(),
                status_code=status,
                duration_ms=12,
                error="HTTP 500: boom" if status == 500 else "",
            )
    client.force_login(manager_user)
    with django_assert_max_num_queries(12):
        response = client.get(_detail(subscription))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("HTTP 500: boom") == 3
    assert html.count("12 ms") == 6
    for delivery in Delivery.objects.all():
        assert delivery.event_id in html


def test_edit_disable_enable_test_and_resend(client, manager_user):
    subscription = subscribe(HOOK, ["order.paid"]).subscription
    client.force_login(manager_user)
    detail = _detail(subscription)

    response = client.post(detail, {"url": HOOK, "events": ["order.refunded"]})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.events == ["order.refunded"]

    client.post(f"{detail}test/")
    test = Delivery.objects.get(event_type="webhook.test")
    assert test.payload["data"]["sent_by"] == manager_user.email
    assert test.state == Delivery.State.PENDING

    Delivery.objects.filter(pk=test.pk).update(state=Delivery.State.FAILED)
    response = client.post(f"{LIST}deliveries/{test.pk}/resend/")
    assert response.status_code == 302
    test.refresh_from_db()
    assert test.state == Delivery.State.PENDING
    assert test.give_up_at > timezone.now()
    assert Delivery.objects.count() == 1  # the same event again, not a new one

    client.post(f"{detail}toggle/")
    subscription.refresh_from_db()
    assert not subscription.active
    who = manager_user.get_full_name()
    assert subscription.disabled_reason == f"Disabled by {who}."
    page = client.get(detail).content.decode()
    assert "Disabled" in page and "Send test event" not in page
    response = client.post(f"{detail}test/", follow=True)
    assert "enable it before sending a test event" in response.content.decode()

    client.post(f"{detail}toggle/")
    subscription.refresh_from_db()
    assert subscription.active and subscription.disabled_at is None
