"""The daily job: each reminder once, catch-up after downtime, expiries once."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.utils import timezone

from core.models import SentEmail
from core.services import email_render
from expirations.models import Expiration, ExpirationEvent, ExpirationSettings
from expirations.services.jobs import (
    CATCH_UP_DAYS,
    expirations_run_due,
    offset_window,
    offset_windows,
)
from expirations.signals import expiration_expired
from expirations.tasks import expirations_run_task
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

Kind = ExpirationEvent.Kind
D = date(2026, 6, 30)


def day(offset: int) -> date:
    """``offset`` days from the expiry date ``D``."""
    return D + timedelta(days=offset)


def reminders(expiration) -> dict[int, str]:
    """Offset → "reminder_sent" / "reminder_skipped" for the current expiry date."""
    return dict(
        ExpirationEvent.objects.filter(
            expiration=expiration,
            expiry_date=expiration.expiry_date,
            kind__in=[Kind.REMINDER_SENT, Kind.REMINDER_SKIPPED],
        ).values_list("offset_days", "kind")
    )


def reminder_emails() -> list[str]:
    return sorted(
        SentEmail.objects.filter(template="expirations_reminder").values_list(
            "event_key", flat=True
        )
    )


@pytest.fixture
def expiration():
    return ExpirationFactory(expiry_date=D, start_date=D - timedelta(days=365))


@pytest.fixture
def expired_signals():
    received = []

    def receiver(sender, expiration, **kwargs):
        received.append((sender, expiration.pk, expiration.expiry_date))

    expiration_expired.connect(receiver, dispatch_uid="test-expired")
    yield received
    expiration_expired.disconnect(dispatch_uid="test-expired")


# --- the windows ---


def test_offset_windows_give_each_day_left_one_offset_at_most():
    windows = offset_windows([30, 7, 1, -3])
    assert [(w.offset, w.fewest_days_left, w.most_days_left) for w in windows] == [
        (30, 8, 30),
        (7, 2, 7),
        (1, 0, 1),
        (-3, -3 - CATCH_UP_DAYS, -3),
    ]
    assert offset_window(windows, 5).offset == 7
    assert offset_window(windows, -1) is None
    assert offset_window(windows, 31) is None


def test_offset_windows_with_only_before_offsets_stop_at_the_expiry():
    assert [(w.offset, w.fewest_days_left) for w in offset_windows([14, 0])] == [
        (14, 1),
        (0, 0),
    ]


# --- reminders ---


def test_run_due_sends_a_reminder_once_when_run_twice(expiration):
    first = expirations_run_due(day(-7))
    second = expirations_run_due(day(-7))

    assert first.reminders_sent == 1
    assert first.per_offset[7] == 1
    assert second.reminders_sent == 0
    assert reminders(expiration) == {30: Kind.REMINDER_SKIPPED, 7: Kind.REMINDER_SENT}
    assert reminder_emails() == [f"expirations.reminder:{expiration.pk}:2026-06-30:7"]


def test_run_due_every_day_sends_each_offset_once(expiration):
    sent = {}
    for offset in range(-40, 25):
        report = expirations_run_due(day(offset))
        for reminder_offset, count in report.per_offset.items():
            if count:
                sent.setdefault(reminder_offset, []).append(offset)
    assert sent == {30: [-30], 7: [-7], 1: [-1], -3: [3]}
    assert set(reminders(expiration).values()) == {Kind.REMINDER_SENT}
    assert len(reminder_emails()) == 4


def test_run_due_after_a_five_day_gap_sends_only_the_latest_reminder(expiration):
    assert expirations_run_due(day(-8)).per_offset[30] == 1
    # Down from day -7 to day -2: both the 7-day and the 1-day reminders are due.
    report = expirations_run_due(day(-1))

    assert report.reminders_sent == 1
    assert report.per_offset == {30: 0, 7: 0, 1: 1, -3: 0}
    assert report.reminders_skipped == 1
    assert reminders(expiration) == {
        30: Kind.REMINDER_SENT,
        7: Kind.REMINDER_SKIPPED,
        1: Kind.REMINDER_SENT,
    }
    # The skipped 7-day reminder is never sent later, even if offset 1 is removed.
    settings_row = ExpirationSettings.load()
    settings_row.reminder_days_before = [30, 7]
    settings_row.save()
    for offset in range(-1, 1):
        assert expirations_run_due(day(offset)).reminders_sent == 0
    assert reminder_emails() == [
        f"expirations.reminder:{expiration.pk}:2026-06-30:1",
        f"expirations.reminder:{expiration.pk}:2026-06-30:30",
    ]


def test_run_due_never_sends_a_before_reminder_once_expired(expiration):
    for offset in (1, 2):
        assert expirations_run_due(day(offset)).reminders_sent == 0
    report = expirations_run_due(day(5))
    assert report.per_offset[-3] == 1
    assert reminders(expiration) == {
        30: Kind.REMINDER_SKIPPED,
        7: Kind.REMINDER_SKIPPED,
        1: Kind.REMINDER_SKIPPED,
        -3: Kind.REMINDER_SENT,
    }


def test_run_due_does_not_send_stale_reminders(expiration):
    report = expirations_run_due(day(3 + CATCH_UP_DAYS + 1))
    assert report.reminders_sent == 0
    assert report.expired == 0
    assert not ExpirationEvent.objects.exists()


def test_run_due_skips_cancelled_and_far_away_expirations(expiration):
    Expiration.objects.filter(pk=expiration.pk).update(is_cancelled=True)
    ExpirationFactory(expiry_date=day(31))
    report = expirations_run_due(day(0))
    assert report.nothing_done
    assert not SentEmail.objects.exists()


def test_run_due_records_a_reminder_for_a_customer_without_email():
    customer = CustomerFactory(email="")
    expiration = ExpirationFactory(customer=customer, expiry_date=D)
    assert expirations_run_due(day(-7)).reminders_sent == 1
    assert reminders(expiration)[7] == Kind.REMINDER_SENT
    assert not SentEmail.objects.exists()


def test_reminder_email_says_the_days_left_and_the_renew_path(expiration):
    expirations_run_due(day(-5))  # the 7-day reminder, sent two days late
    email = email_render(SentEmail.objects.get(template="expirations_reminder"))
    assert email.to == [expiration.customer.email]
    assert "expires in 5 days" in email.subject
    assert "in 5 days" in email.body
    assert "June 30, 2026" in email.body
    assert "/account/expirations/" in email.body
    assert expiration.item in email.body


def test_reminder_after_the_expiry_says_how_long_ago(expiration):
    expirations_run_due(day(3))
    email = email_render(SentEmail.objects.get(template="expirations_reminder"))
    assert "expired on June 30, 2026" in email.subject
    assert "3 days ago" in email.body


def test_reminder_is_queued_in_the_customers_language():
    customer = CustomerFactory(language="it")
    ExpirationFactory(customer=customer, expiry_date=D)
    expirations_run_due(day(-1))
    sent = SentEmail.objects.get(template="expirations_reminder")
    assert sent.language == "it"
    assert sent.context["expiry_date"] == "30 Giugno 2026"
    assert sent.context["days"] == 1


def test_renewal_after_the_expiry_rearms_reminders_and_expiry(expiration):
    expirations_run_due(day(1))
    new_expiry = day(40)
    Expiration.objects.filter(pk=expiration.pk).update(expiry_date=new_expiry)
    expiration.refresh_from_db()
    report = expirations_run_due(new_expiry - timedelta(days=7))
    assert report.per_offset[7] == 1
    report = expirations_run_due(new_expiry + timedelta(days=1))
    assert report.expired == 1
    assert ExpirationEvent.objects.filter(kind=Kind.EXPIRED).count() == 2


# --- expiries ---


def test_run_due_records_an_expiry_once_with_email_and_signal(
    expiration, expired_signals
):
    assert expirations_run_due(day(0)).expired == 0
    first = expirations_run_due(day(1))
    second = expirations_run_due(day(1))
    third = expirations_run_due(day(2))

    assert (first.expired, second.expired, third.expired) == (1, 0, 0)
    assert expired_signals == [(Expiration, expiration.pk, D)]
    event = ExpirationEvent.objects.get(kind=Kind.EXPIRED)
    assert (event.expiration_id, event.expiry_date) == (expiration.pk, D)
    sent = SentEmail.objects.get(template="expirations_expired")
    assert sent.event_key == f"expirations.expired:{expiration.pk}:2026-06-30"
    email = email_render(sent)
    assert "has expired" in email.subject
    assert "/account/expirations/" in email.body


def test_run_due_catches_up_expiries_after_downtime(expiration, expired_signals):
    report = expirations_run_due(day(6))
    assert report.expired == 1
    assert report.per_offset[-3] == 1
    assert len(expired_signals) == 1


def test_run_due_does_not_expire_cancelled_renewed_or_long_gone(expired_signals):
    cancelled = ExpirationFactory(expiry_date=D, is_cancelled=True)
    renewed = ExpirationFactory(expiry_date=day(365), renewal_count=1)
    ExpirationFactory(expiry_date=day(-CATCH_UP_DAYS - 2))
    report = expirations_run_due(day(1))
    assert report.expired == 0
    assert expired_signals == []
    assert not ExpirationEvent.objects.filter(
        expiration__in=[cancelled, renewed]
    ).exists()


def test_expiration_expired_trigger_is_registered():
    from core import plugins

    assert "expiration.expired" in plugins.automation_triggers


# --- many rows, few due ---


def test_run_due_reads_only_due_rows(django_assert_max_num_queries):
    today = timezone.localdate()
    ExpirationSettings.load()
    not_due = [
        *(today + timedelta(days=days) for days in range(31, 80)),
        *(today - timedelta(days=days) for days in range(CATCH_UP_DAYS + 5, 60)),
    ]
    for expiry in not_due:
        ExpirationFactory(expiry_date=expiry, start_date=expiry - timedelta(days=1))
    already_sent = ExpirationFactory(expiry_date=today + timedelta(days=7))
    expirations_run_due(today)
    assert reminders(already_sent)[7] == Kind.REMINDER_SENT

    # Nothing due: a fixed handful of queries, whatever the number of rows.
    with django_assert_max_num_queries(7):
        report = expirations_run_due(today)
    assert report.nothing_done


def test_run_due_works_in_batches_and_prints_progress(monkeypatch):
    monkeypatch.setattr("expirations.services.jobs.BATCH_SIZE", 3)
    product = ServiceProductFactory(name="Hosting")
    for _ in range(7):
        ExpirationFactory(product=product, expiry_date=D)
    out = StringIO()
    report = expirations_run_due(day(-7), stdout=out)
    assert report.per_offset[7] == 7
    assert len(report.sent) == 7
    assert all("Hosting" in line for line in report.sent)
    progress = out.getvalue()
    assert "Reminders due 7 days before: 7" in progress
    assert "batch 3, 7 sent" in progress
    assert len(reminder_emails()) == 7


def test_task_runs_the_job_for_today():
    today = timezone.localdate()
    ExpirationFactory(expiry_date=today + timedelta(days=1))
    ExpirationFactory(expiry_date=today - timedelta(days=1))
    assert expirations_run_task() == 2
    assert expirations_run_task() == 0


def test_run_due_emails_leave_after_the_commit(
    expiration, django_capture_on_commit_callbacks, mailoutbox
):
    other = ExpirationFactory(expiry_date=D)
    with django_capture_on_commit_callbacks(execute=True):
        expirations_run_due(day(-7))
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [expiration.customer.email, other.customer.email]
    )
    assert all("expires in 7 days" in message.subject for message in mailoutbox)
    assert set(SentEmail.objects.values_list("status", flat=True)) == {"sent"}
