"""The funnels' triggers: a referral signed up, a commission available; and the
card's history shows who referred the customer."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from core import plugins
from core.automation_events import automation_event
from referrals.models import Commission
from referrals.services import referral_referrer_set
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer, run
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db


@contextmanager
def events():
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    automation_event.connect(receiver, dispatch_uid="tests.referrals.events")
    try:
        yield sent
    finally:
        automation_event.disconnect(dispatch_uid="tests.referrals.events")


def test_triggers_are_registered():
    assert "referral.signed_up" in plugins.automation_triggers
    assert "referral.commission_available" in plugins.automation_triggers


def test_signed_up_and_commission_available_enrol_the_referrer_once():
    referrer, referred = CustomerFactory(), CustomerFactory()
    with events() as sent:
        referral = refer(referred, referrer)
        pay(place(referred, (ProductFactory(price=D("30.00")), 1)))
        run(days_after=31)
        run(days_after=32)
    ours = [event for event in sent if event["trigger"].startswith("referral.")]
    assert [event["trigger"] for event in ours] == [
        "referral.signed_up",
        "referral.commission_available",
    ]
    assert all(event["customer_id"] == referrer.pk for event in ours)
    assert ours[0]["payload"] == {
        "referral_id": referral.pk,
        "referred_id": referred.pk,
    }
    commission = Commission.objects.get()
    assert ours[1]["entry_key"] == f"referral.commission_available:{commission.pk}"
    assert ours[1]["payload"]["amount"] == "3.00"


def test_the_history_tab_shows_the_referrer_changes(client, manager_user):
    first, second, referred = CustomerFactory(), CustomerFactory(), CustomerFactory()
    refer(referred, first)
    referral_referrer_set(
        customer_id=referred.pk, referrer_id=second.pk, user=manager_user
    )
    client.force_login(manager_user)
    page = client.get(f"/staff/customers/{referred.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Referrer changed: {second} (was {first})" in text
    assert f"Referral recorded: referred by {first}" in text
