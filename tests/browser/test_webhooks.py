"""Settings → Webhooks in a real browser: a Manager adds a webhook (the secret
shown once), sends a test event to a receiver on 127.0.0.1 and reads the log."""

import json

import pytest

from tests.core.factories import PASSWORD, StaffFactory
from tests.webhooks.support import doc_verify_signature, receiver  # noqa: F401
from webhooks.models import Delivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_adds_a_webhook_and_sends_a_test_event(page, receiver, settings):  # noqa: F811
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    manager = StaffFactory(groups=["Manager"])
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto("/staff/settings/")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("Shop CRM")
    page.get_by_label("order.paid — An order was paid").check()
    page.get_by_role("button", name="Create the webhook").click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")

    page.get_by_role("link", name=receiver.url).click()
    page.get_by_role("button", name="Send test event").click()
    page.get_by_text("A test event is on its way").wait_for()
    page.reload()
    log = page.get_by_test_id("webhook-deliveries")
    assert "webhook.test" in log.inner_text()
    assert "Delivered" in log.inner_text()
    assert "200" in log.inner_text()

    (request,) = receiver.requests
    assert doc_verify_signature()(
        secret, request.body, request.headers["Clientela-Signature"]
    )
    assert json.loads(request.body)["id"] == Delivery.objects.get().event_id

    # Rotate the secret: the new one shown once; the next event is signed with
    # both for the day, so a receiver still holding the old one accepts it.
    page.get_by_role("button", name="Rotate secret").click()
    new_secret = page.get_by_test_id("webhook-secret").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != secret
    page.get_by_test_id("webhook-rotation").wait_for()
    page.get_by_role("button", name="Send test event").click()
    page.get_by_text("A test event is on its way").wait_for()
    page.reload()
    assert new_secret not in page.content()
    _first, second = receiver.requests
    header = second.headers["Clientela-Signature"]
    assert header.count("v1=") == 2
    verify = doc_verify_signature()
    assert verify(new_secret, second.body, header)
    assert verify(secret, second.body, header)
