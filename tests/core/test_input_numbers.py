"""Numbers, amounts, ids and dates a person types: ASCII digits within the column.

Items 5 and 7 of the security issue, through the real request path: each refusal
says what to type and leaves the database as it was.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from balance.models import BalanceSettings, Entry, Withdrawal
from expirations.models import Expiration
from selling.models import CartLine
from tests.balance.support import credit, key
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory
from tests.selling.account_support import CART_ADD
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def expiration_data(**values):
    return {
        "product": "",
        "item": "Domain example.com",
        "quantity": "1",
        "amount": "15,00",
        "start_date": "2026-03-01",
        "expiry_date": "2027-03-01",
        "provenance": "",
        "bank_institute": "",
        "notes": "",
        **values,
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"quantity": "2147483648"},
            "quantity",
            "Enter a whole number between -2147483648 and 2147483647.",
        ),
        ({"quantity": "١"}, "quantity", "Enter a whole number, e.g. 1."),
        ({"quantity": "1_0"}, "quantity", "Enter a whole number, e.g. 1."),
        (
            {"start_date": "0001-01-01", "expiry_date": "0001-01-01"},
            "expiry_date",
            "Enter a date between 1900-01-01 and 2200-12-31.",
        ),
        (
            {"expiry_date": "9999-12-31"},
            "expiry_date",
            "Enter a date between 1900-01-01 and 2200-12-31.",
        ),
        ({"amount": "٣٠"}, "amount", "is not an amount"),
    ],
)
def test_expiration_form_refuses_values_past_the_columns(
    staff_client, values, field, message
):
    customer = CustomerFactory()
    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        expiration_data(**values),
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Expiration.objects.exists()


def test_customer_renews_an_expiration_stored_at_year_one(customer_client, customer):
    """Rows stored before dates were bounded: the Renew button works, no 500."""
    product = ServiceProductFactory()
    expiration = ExpirationFactory(
        customer=customer,
        product=product,
        start_date=date(1, 1, 1),
        expiry_date=date(1, 1, 1),
    )
    assert customer_client.get("/account/expirations/").status_code == 200
    response = customer_client.post(
        reverse("expirations:account_renew", args=[expiration.pk])
    )
    assert response.status_code == 302
    assert CartLine.objects.filter(renews_id=str(expiration.pk)).count() == 1


def test_staff_operation_refuses_arabic_indic_digits(client):
    from tests.balance.test_staff_views import ADD, staff_with

    client.force_login(staff_with(*ADD))
    customer = CustomerFactory()
    for amount in ("٣٠", "1e2", "1_000", "３０"):
        response = client.post(
            reverse("balance:operation", args=[customer.pk]),
            {"direction": "credit", "amount": amount, "note": "", "nonce": key()},
        )
        assert response.status_code == 400
        errors = response.context["operation_form"].errors["amount"]
        assert "is not an amount: enter digits such as 12.50" in errors[0]
    assert not Entry.objects.exists()


def test_withdrawal_refuses_arabic_indic_digits(customer_client, customer):
    from tests.balance.test_account_credits import ask, with_payout

    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("20.00")
    row.save()
    credit(customer, "100.00")
    with_payout(customer)
    response = ask(customer_client, "٣٠")
    assert response.status_code == 200
    assert "is not an amount" in response.context["form"].errors["amount"][0]
    assert not Withdrawal.objects.exists()
    customer.refresh_from_db()
    assert customer.balance_held == Decimal("0.00")


@pytest.mark.parametrize("typed", ["६", "²", "9999999999999999999"])
def test_cart_add_refuses_an_id_in_other_digits(customer_client, typed):
    product = ProductFactory()
    if typed == "६":
        typed = str(product.pk).translate(DEVANAGARI)
    response = customer_client.post(
        CART_ADD, {"product": typed, "quantity": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "This product does not exist." in response.content.decode()
    assert not CartLine.objects.exists()


def test_cart_add_refuses_a_quantity_in_other_digits(customer_client):
    product = ProductFactory()
    response = customer_client.post(
        CART_ADD, {"product": str(product.pk), "quantity": "٢"}, follow=True
    )
    assert response.status_code == 200
    assert "The quantity must be a whole number." in response.content.decode()
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e9", "“1e9” is not an amount"),
        ("1_000", "“1_000” is not an amount"),
        ("1e-2", "“1e-2” is not an amount"),
        ("٣٠", "is not an amount"),
        ("1000000000000", "Ensure that there are no more than"),
        ("20.001", "more than 2 decimal places"),
    ],
)
def test_withdrawal_minimum_takes_plain_amounts_only(client, typed, message):
    from tests.balance.test_staff_views import SETTINGS_DATA

    client.force_login(StaffFactory(groups=["Manager"]))
    before = BalanceSettings.load().withdrawal_minimum
    response = client.post(
        reverse("balance:settings"), {**SETTINGS_DATA, "withdrawal_minimum": typed}
    )
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["withdrawal_minimum"])
    assert message in errors
    assert BalanceSettings.load().withdrawal_minimum == before


def test_withdrawal_minimum_takes_a_comma(client):
    from tests.balance.test_staff_views import SETTINGS_DATA

    client.force_login(StaffFactory(groups=["Manager"]))
    response = client.post(
        reverse("balance:settings"), {**SETTINGS_DATA, "withdrawal_minimum": "25,50"}
    )
    assert response.status_code == 302
    assert BalanceSettings.load().withdrawal_minimum == Decimal("25.50")


@pytest.mark.parametrize("today", ["0001-01-01", "9999-12-31"])
def test_commands_refuse_a_today_out_of_range(today):
    from django.core.management import CommandError, call_command

    from expirations.models import ExpirationEvent

    ExpirationFactory(expiry_date=date(2026, 6, 30))
    with pytest.raises(
        CommandError, match="Enter a date between 1900-01-01 and 2200-12-31."
    ):
        call_command("run_expirations", "--today", today)
    assert not ExpirationEvent.objects.exists()
