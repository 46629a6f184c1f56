"""The expirations demo data that seed_demo adds: services with a history for the
demo customer and about one customer in ten, today's calls and tasks; added once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from balance.verification import balance_mismatches
from customers.models import Customer, CustomerAction
from expirations import demo
from expirations.models import BankInstitute, Expiration, ExpirationEvent, Provenance
from expirations.widgets import upcoming_renewals
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.expirations.factories import ExpirationFactory

pytestmark = pytest.mark.django_db

CUSTOMER_EMAIL = "customer@example.com"
DEMO_PASSWORD = "demo-password-2026"
Kind = ExpirationEvent.Kind


def seed_demo(customers: int = 300) -> str:
    output = StringIO()
    call_command("seed_demo", customers=customers, stdout=output)
    return output.getvalue()


def run_seeder() -> tuple[int, list[str]]:
    lines: list[str] = []
    added = demo.demo_expirations_seed(
        Customer.objects.filter(source="demo"), seed=2026, log=lines.append
    )
    return added, lines


def counts() -> tuple[int, ...]:
    return (
        Expiration.objects.count(),
        ExpirationEvent.objects.count(),
        CustomerAction.objects.count(),
        Provenance.objects.count(),
        BankInstitute.objects.count(),
    )


def test_seed_demo_twice_adds_nothing_the_second_time():
    output = seed_demo()
    first = counts()

    again = seed_demo()

    assert counts() == first
    assert "Expirations: 0 expirations and 0 actions due today added." in again
    assert "Expirations: " in output
    customers_with = Expiration.objects.values("customer").distinct().count()
    assert 15 <= customers_with <= 50  # about one in ten, and the login
    assert Provenance.objects.count() == len(demo.DEMO_PROVENANCES)
    assert BankInstitute.objects.count() == len(demo.DEMO_BANK_INSTITUTES)
    assert balance_mismatches() == []
    verified = StringIO()
    call_command("verify_balances", stdout=verified)
    assert verified.getvalue().startswith("OK")


def test_demo_customer_has_one_to_renew_one_active_and_one_expired():
    seed_demo(customers=20)
    today = timezone.localdate()
    customer = Customer.objects.get(email=CUSTOMER_EMAIL)

    by_product = {
        expiration.label: expiration
        for expiration in Expiration.objects.filter(customer=customer)
    }

    support = by_product["Annual support contract"]
    assert support.state_on(today) == Expiration.State.EXPIRING_SOON
    assert 0 <= support.days_left(today) < 7
    assert by_product["Website hosting"].days_left(today) > 60
    assert by_product["Monthly maintenance"].state_on(today) == Expiration.State.EXPIRED
    # The order the shop's demo marked paid bought a certificate: that one too.
    assert "SSL certificate" in by_product
    assert not any(expiration.is_cancelled for expiration in by_product.values())


def test_demo_customer_sees_a_renew_button(client):
    seed_demo(customers=20)
    assert client.login(username=CUSTOMER_EMAIL, password=DEMO_PASSWORD)

    response = client.get(reverse("expirations:account_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Renew Annual support contract"' in html
    assert "Website hosting" in html and "Monthly maintenance" in html
    assert 'aria-label="Renew Website hosting"' not in html  # months away


def test_dashboard_widgets_show_rows(manager_user, client):
    seed_demo(customers=200)
    client.force_login(manager_user)
    today = timezone.localdate()

    upcoming = client.get(
        reverse("expirations:staff_widget", args=["expirations_upcoming"])
    )
    todo = client.get(reverse("expirations:staff_widget", args=["todo_today"]))

    assert upcoming_renewals(today).count() >= demo.UPCOMING_AT_LEAST + 1  # + login
    assert len(upcoming.context["upcoming_rows"]) >= demo.UPCOMING_AT_LEAST + 1
    due = CustomerAction.objects.filter(due_date=today, done=False)
    assert {action.kind for action in due} == {
        CustomerAction.Kind.CALL,
        CustomerAction.Kind.TASK,
    }
    assert len(todo.context["todo_rows"]) == due.count()
    assert due.count() == demo.TODO_CALLS + demo.TODO_TASKS
    assert "Call about the renewal of" in todo.content.decode()


def test_call_actions_keep_the_customers_last_call():
    seed_demo(customers=200)

    calls = CustomerAction.objects.filter(kind=CustomerAction.Kind.CALL)
    latest = dict(
        calls.values("customer")
        .annotate(latest=Max("created_at"))
        .values_list("customer", "latest")
    )
    assert len(latest) == demo.TODO_CALLS
    stored = dict(
        Customer.objects.filter(last_call_at__isnull=False).values_list(
            "pk", "last_call_at"
        )
    )
    assert stored == latest


def test_every_demo_expiration_has_a_consistent_history(monkeypatch):
    monkeypatch.setattr(demo, "EXPIRATIONS_PER_MILLE", 1000)  # everyone
    CustomerFactory.create_batch(150, source="demo")
    today = timezone.localdate()

    added, lines = run_seeder()
    # The history is never later than the seeder's own clock: before office hours
    # today's events are capped at that moment, so "now" is read after it ran.
    now = timezone.now()

    assert added == Expiration.objects.count() >= 150
    assert lines[-1].startswith(f"Expirations: {added:,} expirations")
    expirations = Expiration.objects.annotate(
        created=Count("events", filter=Q(events__kind=Kind.CREATED)),
        renewed=Count("events", filter=Q(events__kind=Kind.RENEWED)),
        cancelled=Count("events", filter=Q(events__kind=Kind.CANCELLED)),
        latest_event=Max("events__created_at"),
    ).select_related("product")
    for expiration in expirations:
        assert expiration.created == 1
        assert expiration.renewed == expiration.renewal_count
        assert expiration.cancelled == int(expiration.is_cancelled)
        assert expiration.start_date < expiration.expiry_date
        assert today - timedelta(days=365) <= expiration.expiry_date
        assert expiration.expiry_date <= today + timedelta(days=366)
        assert expiration.product_id or expiration.item
        assert expiration.amount > 0
        assert expiration.created_at <= expiration.updated_at <= now
        assert expiration.latest_event == expiration.updated_at
        if expiration.renewal_count:
            assert expiration.last_renewed_on <= today
    renewed = ExpirationEvent.objects.filter(kind=Kind.RENEWED)
    for event in renewed.select_related("expiration"):
        assert event.previous_expiry_date < event.expiry_date
        assert event.expiry_date <= event.expiration.expiry_date
    assert not ExpirationEvent.objects.filter(created_at__gt=now).exists()
    assert Expiration.objects.filter(is_cancelled=True).exists()
    assert Expiration.objects.filter(renewal_count__gt=0).exists()
    assert Expiration.objects.filter(product__isnull=True).exists()  # free text
    assert Expiration.objects.filter(expiry_date__lt=today).exists()
    assert Expiration.objects.filter(provenance__isnull=False).exists()
    assert Expiration.objects.filter(bank_institute__isnull=False).exists()
    # Each customer's rows: its own events, one to three services.
    mismatched = ExpirationEvent.objects.exclude(
        customer_id=F("expiration__customer_id")
    )
    assert not mismatched.exists()
    per_customer = Expiration.objects.values("customer").annotate(n=Count("id"))
    assert {row["n"] for row in per_customer} <= {1, 2, 3}


def test_customers_with_expirations_or_a_login_are_left_to_their_own_set(
    monkeypatch,
):
    monkeypatch.setattr(demo, "EXPIRATIONS_PER_MILLE", 1000)
    has_one = ExpirationFactory(customer=CustomerFactory(source="demo"))
    not_demo = CustomerFactory(source="shop")
    with_login = CustomerWithLoginFactory(source="demo")

    run_seeder()

    assert list(Expiration.objects.filter(customer=has_one.customer)) == [has_one]
    assert not Expiration.objects.filter(customer=not_demo).exists()
    # Without the shop's demo catalog, the login customer's services are left out.
    assert not Expiration.objects.filter(customer=with_login).exists()


def test_period_arithmetic_goes_back_to_the_same_day_or_the_months_last():
    years, months = "years", "months"

    assert demo.periods_before(date(2026, 3, 31), 1, months) == date(2026, 2, 28)
    assert demo.periods_before(date(2028, 2, 29), 1, years) == date(2027, 2, 28)
    assert demo.periods_before(date(2026, 1, 15), 6, months) == date(2025, 7, 15)
    assert demo.periods_before(date(2026, 1, 15), 2, "weeks") == date(2026, 1, 1)


def test_demo_data_depends_only_on_customer_seed_and_day():
    clock = demo.Clock.current()
    services = [
        demo.DemoService("Cloud backup", 1, "years", Decimal("84.00")),
        demo.DemoService("Maintenance", 1, "months", Decimal("49.00")),
    ]

    def plan(customer_id, seed):
        return [
            (row.service.label, row.start_date, row.expiry_date, row.renewal_count)
            for row in demo.demo_customer_expirations(
                customer_id, seed=seed, clock=clock, services=services, upcoming=True
            )
        ]

    assert plan(7, 2026) == plan(7, 2026)
    assert plan(7, 2026) != plan(7, 2027) or plan(8, 2026) != plan(8, 2027)
    first = demo.demo_customer_expirations(
        9, seed=1, clock=clock, services=services, upcoming=True
    )[0]
    assert 0 <= (first.expiry_date - clock.today).days < demo.UPCOMING_DAYS
    assert not first.is_cancelled
