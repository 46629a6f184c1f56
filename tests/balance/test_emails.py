"""The "credit received" e-mail of periodic gifts: once per entry, in the customer's
language, delivered by the shared e-mail flush (locmem backend)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from balance.models import Entry, Gift, GiftRun
from balance.services import gift_run_due
from balance.services import gifts as gift_services
from core.models import SentEmail
from core.tasks import email_flush_queued_task
from tests.customers.factories import CustomerFactory

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


@pytest.fixture(autouse=True)
def _locmem_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_gift(**fields) -> Gift:
    defaults = {
        "amount": Decimal("1234.50"),
        "description": "Thank you for being with us",
        "schedule": Gift.Schedule.MONTHLY,
        "day_of_month": 5,
        "audience": Gift.Audience.EVERYONE,
        "start_date": date(2026, 1, 1),
    }
    return Gift.objects.create(**{**defaults, **fields})


def flush_queued_emails() -> int:
    """What the periodic flush does with e-mails left queued over ten minutes."""
    SentEmail.objects.filter(status=SentEmail.Status.QUEUED).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    return email_flush_queued_task()


def test_a_gift_emails_each_credited_customer_in_their_language():
    italian = CustomerFactory(language="it", first_name="Marta", email="m@example.it")
    spanish = CustomerFactory(language="es", first_name="Lucía", email="l@example.es")
    english = CustomerFactory(language="en", first_name="Ann", email="a@example.com")
    make_gift()

    gift_run_due(today=date(2026, 1, 5))

    assert flush_queued_emails() == 3

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {italian.email, spanish.email, english.email}
    assert by_recipient[italian.email].subject == (
        "Hai ricevuto 1.234,50 EUR di credito"
    )
    assert by_recipient[spanish.email].subject == (
        "Has recibido 1\xa0234,50 EUR de crédito"  # Spanish groups with a space
    )
    assert by_recipient[english.email].subject == "You received 1,234.50 EUR of credit"
    english_body = by_recipient[english.email].body
    assert "Hello Ann," in english_body
    assert "Thank you for being with us" in english_body
    assert "Your balance is now 1,234.50 EUR" in english_body
    entry = Entry.objects.get(customer=italian)
    sent = SentEmail.objects.get(to=italian.email)
    assert sent.event_key == f"balance.credit_received:{entry.pk}"
    assert (sent.status, sent.language) == (SentEmail.Status.SENT, "it")


def test_a_gift_run_repeated_does_not_email_twice():
    customer = CustomerFactory(language="pt")
    gift = make_gift()
    gift_run_due(today=date(2026, 1, 5))
    flush_queued_emails()
    # A double beat, then a forced re-run of the period after a "crash".
    gift_run_due(today=date(2026, 1, 5))
    GiftRun.objects.filter(gift=gift).update(completed_at=None)
    gift_run_due(today=date(2026, 1, 6))

    assert flush_queued_emails() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Você recebeu 1.234,50 EUR de crédito"
    assert SentEmail.objects.filter(to=customer.email).count() == 1


def test_each_gift_period_is_its_own_email():
    customer = CustomerFactory()
    make_gift()

    gift_run_due(today=date(2026, 3, 10))  # catches up January to March

    assert flush_queued_emails() == 3
    assert [message.to for message in mail.outbox] == [[customer.email]] * 3
    assert SentEmail.objects.values("event_key").distinct().count() == 3


def test_a_batch_that_fails_sends_nothing_and_the_next_run_emails_once(monkeypatch):
    CustomerFactory.create_batch(3)
    make_gift()
    monkeypatch.setattr(gift_services, "GIFT_BATCH_SIZE", 2)
    real_apply = gift_services._postings_apply
    calls = []

    def fail_on_second_batch(postings):
        calls.append(postings)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_apply(postings)

    monkeypatch.setattr(gift_services, "_postings_apply", fail_on_second_batch)
    with pytest.raises(RuntimeError):
        gift_run_due(today=date(2026, 1, 5))
    assert SentEmail.objects.count() == 2  # the committed first batch only

    monkeypatch.setattr(gift_services, "_postings_apply", real_apply)
    gift_run_due(today=date(2026, 1, 5))

    assert flush_queued_emails() == 3
    assert len({message.to[0] for message in mail.outbox}) == 3


def test_a_customer_without_an_address_is_credited_without_email():
    customer = CustomerFactory(email="")
    make_gift()

    gift_run_due(today=date(2026, 1, 5))

    assert Entry.objects.filter(customer=customer, kind=Entry.Kind.GIFT).exists()
    assert not SentEmail.objects.exists()


def test_a_manual_credit_is_formatted_in_the_customers_language():
    from balance.services.staff import staff_operation_post

    customer = CustomerFactory(language="it")

    staff_operation_post(
        customer=customer,
        credit=True,
        amount=Decimal("1234.50"),
        note="",
        user=None,
        nonce="n-1",
    )

    assert flush_queued_emails() == 1
    assert mail.outbox[0].subject == "Hai ricevuto 1.234,50 EUR di credito"
