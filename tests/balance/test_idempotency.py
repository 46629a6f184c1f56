"""A retried task or request posts once; gifts pay each period once and catch up."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from balance import tasks
from balance.automation import assign_credits
from balance.models import Entry, Gift, GiftRun
from balance.services import gift_run_due
from balance.services import gifts as gift_services
from core import plugins
from customers.models import NewsletterList, Subscription, Tag
from tests.balance.support import assert_ledger_consistent, credit, figures
from tests.customers.factories import CustomerFactory

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

D = Decimal


def make_gift(**fields) -> Gift:
    defaults = {
        "amount": D("5.00"),
        "description": "Monthly thank-you",
        "schedule": Gift.Schedule.MONTHLY,
        "day_of_month": 5,
        "audience": Gift.Audience.EVERYONE,
        "start_date": date(2026, 1, 1),
    }
    return Gift.objects.create(**{**defaults, **fields})


def gift_entries(gift: Gift):
    return Entry.objects.filter(
        kind=Entry.Kind.GIFT, idempotency_key__startswith=f"gift:{gift.pk}:"
    )


# --- retried tasks and requests ---


def test_the_automation_action_retried_with_the_same_key_posts_once():
    customer = CustomerFactory()
    action = plugins.automation_actions.get("balance.assign_credits")
    assert action is not None and action.run is assign_credits
    params = {"amount": "2,50", "note": "Welcome"}
    context = plugins.AutomationContext(run_id=3, step_visit_id=12)
    for _attempt in range(2):
        action.run(
            customer,
            params,
            idempotency_key="funnel:3:step:12:customer:1",
            context=context,
        )
    (entry,) = Entry.objects.filter(customer=customer)
    assert entry.kind == Entry.Kind.AUTOMATION
    assert (entry.source_type, entry.source_id) == ("funnel_step", "12")
    assert figures(customer)[0] == D("2.50")


def test_the_automation_action_form_checks_the_amount():
    form_class = plugins.automation_actions.get("balance.assign_credits").form_class
    assert form_class({"amount": "3,5"}).is_valid()
    for bad in ("12,5,0", "abc", "0", "-1", "1.001"):
        assert not form_class({"amount": bad}).is_valid()


def test_a_credit_request_retried_with_the_same_key_posts_once():
    customer = CustomerFactory()
    for _attempt in range(3):
        credit(customer, "10.00", idempotency_key="checkout-refund-77")
    assert Entry.objects.count() == 1
    assert figures(customer)[0] == D("10.00")


def test_the_gift_task_run_twice_posts_once(monkeypatch):
    customers = CustomerFactory.create_batch(3)
    gift = make_gift(start_date=date(2026, 3, 1))
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: date(2026, 3, 10))
    assert tasks.gifts_run_task.apply().get() == 1
    assert tasks.gifts_run_task.apply().get() == 0
    assert gift_entries(gift).count() == 3
    for customer in customers:
        assert figures(customer)[0] == D("5.00")


# --- gifts ---


def test_a_gift_run_executed_twice_for_a_period_posts_once():
    customers = CustomerFactory.create_batch(4)
    gift = make_gift()
    [run] = gift_run_due(today=date(2026, 1, 5))
    assert (run.period, run.customers_count, run.total_amount) == (
        "2026-01",
        4,
        D("20.00"),
    )
    assert run.completed_at is not None
    # The same day again, and a forced re-run of the completed period.
    assert gift_run_due(today=date(2026, 1, 5)) == []
    gift_services.gift_period_run(
        gift, gift_services.gift_periods(gift, date(2026, 1, 5))[0]
    )
    assert gift_entries(gift).count() == 4
    for customer in customers:
        assert figures(customer)[0] == D("5.00")
        assert_ledger_consistent(customer)


def test_a_gift_run_forced_again_on_an_incomplete_run_only_posts_the_missing():
    customers = CustomerFactory.create_batch(3)
    gift = make_gift()
    gift_run_due(today=date(2026, 1, 5))
    GiftRun.objects.filter(gift=gift).update(completed_at=None)  # as after a crash
    newcomer = CustomerFactory()
    [run] = gift_run_due(today=date(2026, 1, 6))
    assert run.customers_count == 4
    assert gift_entries(gift).count() == 4
    assert figures(newcomer)[0] == D("5.00")
    assert all(figures(customer)[0] == D("5.00") for customer in customers)


def test_gifts_catch_up_after_beat_was_down_for_three_months():
    customer = CustomerFactory()
    gift = make_gift()
    gift_run_due(today=date(2026, 1, 10))
    runs = gift_run_due(today=date(2026, 4, 20))  # beat was down Feb-Apr
    assert [run.period for run in runs] == ["2026-02", "2026-03", "2026-04"]
    assert gift_entries(gift).count() == 4
    assert figures(customer)[0] == D("20.00")
    assert list(
        GiftRun.objects.filter(gift=gift)
        .order_by("period")
        .values_list("period", "customers_count")
    ) == [("2026-01", 1), ("2026-02", 1), ("2026-03", 1), ("2026-04", 1)]
    assert_ledger_consistent(customer)


def test_a_gift_starting_today_does_not_post_past_periods():
    CustomerFactory()
    today = date(2026, 4, 20)
    past_day = make_gift(day_of_month=5, start_date=today)
    due_today = make_gift(day_of_month=20, start_date=today)
    weekly = make_gift(
        schedule=Gift.Schedule.WEEKLY, day_of_month=None, weekday=0, start_date=today
    )  # 2026-04-20 is a Monday
    yearly = make_gift(
        schedule=Gift.Schedule.YEARLY, day_of_month=1, month=1, start_date=today
    )
    runs = gift_run_due(today=today)
    assert [(run.gift_id, run.period) for run in runs] == [
        (due_today.pk, "2026-04"),
        (weekly.pk, "2026-W17"),
    ]
    assert not gift_entries(past_day).exists()
    assert not gift_entries(yearly).exists()


def test_a_gift_not_yet_started_or_inactive_posts_nothing():
    CustomerFactory()
    make_gift(start_date=date(2026, 6, 1))
    make_gift(active=False)
    assert gift_run_due(today=date(2026, 5, 31)) == []
    assert not Entry.objects.exists()


def test_a_crash_halfway_through_a_gift_run_is_finished_by_the_next_run(monkeypatch):
    customers = CustomerFactory.create_batch(5)
    gift = make_gift()
    monkeypatch.setattr(gift_services, "GIFT_BATCH_SIZE", 2)
    real_batch_post = gift_services._gift_batch_post
    calls = []

    def crash_on_second_batch(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_batch_post(*args)

    monkeypatch.setattr(gift_services, "_gift_batch_post", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        gift_run_due(today=date(2026, 1, 5))
    assert gift_entries(gift).count() == 2  # the first batch committed
    run = GiftRun.objects.get(gift=gift)
    assert run.completed_at is None
    [run] = gift_run_due(today=date(2026, 1, 5))
    assert (run.customers_count, run.total_amount) == (5, D("25.00"))
    for customer in customers:
        assert figures(customer)[0] == D("5.00")
        assert_ledger_consistent(customer)


def test_birthday_gifts_are_paid_once_a_year_and_catch_up():
    make_gift(
        schedule=Gift.Schedule.BIRTHDAY, day_of_month=None, start_date=date(2026, 1, 1)
    )
    march = CustomerFactory(birth_date=date(1990, 3, 15))
    leap = CustomerFactory(birth_date=date(2000, 2, 29))
    june = CustomerFactory(birth_date=date(1985, 6, 1))
    no_birthday = CustomerFactory(birth_date=None)
    [run] = gift_run_due(today=date(2026, 3, 1))  # 2026 is not a leap year
    assert run.period == "birthday-2026"
    assert run.customers_count == 1
    assert figures(leap)[0] == D("5.00")
    gift_run_due(today=date(2026, 3, 1))
    [run] = gift_run_due(today=date(2026, 6, 30))  # beat down from March to June
    assert run.customers_count == 3
    assert run.completed_at is None  # the year is still going
    gift_run_due(today=date(2026, 12, 31))
    run.refresh_from_db()
    assert run.completed_at is not None
    gift_run_due(today=date(2027, 3, 20))
    assert figures(march)[0] == D("10.00")
    assert figures(leap)[0] == D("10.00")
    assert figures(june)[0] == D("5.00")
    assert figures(no_birthday)[0] == D("0.00")


def test_gift_audiences():
    tag = Tag.objects.create(name="VIP")
    newsletter = NewsletterList.objects.create(name="News")
    tagged, subscribed, unsubscribed, rich, other = CustomerFactory.create_batch(5)
    tagged.tags.add(tag)
    Subscription.objects.create(
        customer=subscribed, newsletter_list=newsletter, subscribed_at=timezone.now()
    )
    Subscription.objects.create(
        customer=unsubscribed,
        newsletter_list=newsletter,
        subscribed_at=timezone.now(),
        unsubscribed_at=timezone.now(),
    )
    credit(rich, "100.00")
    credit(other, "10.00")
    make_gift(audience=Gift.Audience.TAG, tag=tag, amount=D("1.00"))
    make_gift(
        audience=Gift.Audience.NEWSLETTER_LIST,
        newsletter_list=newsletter,
        amount=D("2.00"),
    )
    make_gift(
        audience=Gift.Audience.BALANCE_RANGE, balance_min=D("50"), amount=D("4.00")
    )
    make_gift(
        audience=Gift.Audience.BALANCE_RANGE,
        balance_min=D("5"),
        balance_max=D("20"),
        amount=D("8.00"),
    )
    gone = Tag.objects.create(name="Deleted soon")
    orphan = make_gift(audience=Gift.Audience.TAG, tag=gone, amount=D("16.00"))
    gone.delete()
    gift_run_due(today=date(2026, 1, 5))
    orphan.refresh_from_db()
    assert orphan.tag is None
    assert figures(tagged)[0] == D("1.00")
    assert figures(subscribed)[0] == D("2.00")
    assert figures(unsubscribed)[0] == D("0.00")
    assert figures(rich)[0] == D("104.00")
    assert figures(other)[0] == D("18.00")
