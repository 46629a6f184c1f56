"""Texts a person types: no control characters stored or printed raw (item 11),
no full-width formula starters in CSV exports and no endless passwords (item 12)."""

import csv
import io

import pytest
from django.contrib.auth import base_user
from django.core.management import call_command
from django.urls import reverse

from balance.models import PayoutDetails
from customers.models import Customer
from tests.balance.support import credit
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

ESCAPES = "\x1b[2J\x1b[31m"
LONG_PASSWORD = "p" * 100_000


def test_customer_profile_stores_no_terminal_escapes(customer_client, customer):
    response = customer_client.post(
        reverse("account:profile"),
        {
            "first_name": f"{ESCAPES}Anna\x07",
            "last_name": "Bi\x9bnchi\nRossi",
            "phone": "",
            "mobile": "",
            "birth_date": "",
            "language": "en",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.first_name == "[2J[31mAnna"
    assert customer.last_name == "Binchi Rossi"


def test_staff_customer_create_stores_no_terminal_escapes(staff_client):
    response = staff_client.post(
        "/staff/customers/new/",
        {
            "first_name": f"{ESCAPES}Lucía",
            "last_name": "Gómez",
            "email": "lucia@example.com",
            "phone": "+34\x00 600",
            "language": "es",
            "country": "es",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email="lucia@example.com")
    assert (customer.first_name, customer.phone) == ("[2J[31mLucía", "+34 600")


def test_admin_stores_no_terminal_escapes(client):
    client.force_login(StaffFactory(is_superuser=True))
    customer = CustomerFactory(first_name="Anna")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in (
            (name, form[name].value())
            for name in form.fields
            if name not in ("user", "avatar", "avatar_thumbnail")
        )
        if value is not None and not isinstance(value, list | tuple)
    }
    data.update(first_name=f"{ESCAPES}Anna", user="")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.first_name == "[2J[31mAnna"


def test_text_area_keeps_its_lines_and_tabs(staff_client):
    from expirations.models import Expiration
    from tests.core.test_input_numbers import expiration_data

    customer = CustomerFactory()
    response = staff_client.post(
        reverse("expirations:staff_create", args=[customer.pk]),
        expiration_data(item="Domain\x1b[2J", notes="one\r\ntwo\tthree\x07"),
    )
    assert response.status_code == 302
    expiration = Expiration.objects.get()
    assert (expiration.item, expiration.notes) == ("Domain[2J", "one\ntwo\tthree")


def test_balance_show_prints_stored_escapes_as_text(customer):
    customer.first_name = f"{ESCAPES}Anna"  # stored before the forms cleaned it
    customer.save()
    credit(customer, "5.00", note="gift \x1b]0;pwned\x07")
    out = io.StringIO()
    call_command("balance", "show", customer.email, stdout=out)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b[2J\\x1b[31mAnna" in printed
    assert "gift \\x1b]0;pwned\\x07" in printed


def test_export_customers_prints_stored_escapes_as_text(customer):
    customer.first_name = f"{ESCAPES}Anna"
    customer.save()
    out = io.StringIO()
    call_command("export_customers", "--quiet", stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    assert "\x1b" not in printed
    assert "\\x1b[2J\\x1b[31mAnna" in printed
    assert "\r\n" in printed  # the CSV's own line ends stay


@pytest.mark.parametrize("start", ["＝", "＋", "－", "＠", "﹦"])
def test_export_neutralises_full_width_formula_starters(client, manager_user, start):
    CustomerFactory(last_name=f'{start}HYPERLINK("http://evil")')
    client.force_login(manager_user)
    response = client.get("/staff/customers/export/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))[:2]
    assert dict(zip(header, row, strict=True))["Last name"] == (
        f'\'{start}HYPERLINK("http://evil")'
    )


@pytest.mark.parametrize("start", [" =", "  +", "\u00a0@", "\u3000＝"])
def test_export_neutralises_a_formula_after_leading_spaces(client, manager_user, start):
    CustomerFactory(last_name=f'{start}HYPERLINK("http://evil")')
    client.force_login(manager_user)
    response = client.get("/staff/customers/export/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))[:2]
    assert dict(zip(header, row, strict=True))["Last name"] == (
        f'\'{start}HYPERLINK("http://evil")'
    )


@pytest.mark.parametrize(
    "text", [" =1+1", "' =1", "  @x", "\t=x", " plain", "O'Brien", "", "   "]
)
def test_a_cell_written_safe_reads_back_the_same(text):
    from core.csv_cells import csv_cell_read, csv_cell_safe

    assert csv_cell_read(csv_cell_safe(text)) == text


def test_bidirectional_overrides_are_not_stored(staff_client):
    # "Ana\u202egnp.exe" would show as "Anaexe.png"; an isolate hides what follows.
    response = staff_client.post(
        "/staff/customers/new/",
        {
            "first_name": "Ana\u202egnp.exe",
            "last_name": "\u2067عربي\u2069 Rossi",
            "email": "bidi@example.com",
            "language": "en",
            "country": "it",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email="bidi@example.com")
    assert customer.first_name == "Anagnp.exe"
    assert customer.last_name == "عربي Rossi"  # right-to-left text itself stays


# --- Passwords: refused before anything hashes them ---


@pytest.fixture
def no_hashing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a 100,000-character password reached the hasher")

    monkeypatch.setattr(base_user, "check_password", refuse)
    monkeypatch.setattr(base_user, "make_password", refuse)


PASSWORD_MESSAGE = "Use a password of at most 128 characters."


def _errors(response, form="form") -> str:
    return " ".join(
        " ".join(errors) for errors in response.context[form].errors.values()
    )


def test_staff_login_refuses_a_huge_password_unhashed(client, no_hashing):
    staff = StaffFactory.build(email="boss@example.com")
    response = client.post(
        reverse("staff:login"), {"username": staff.email, "password": LONG_PASSWORD}
    )
    assert response.status_code == 200
    assert PASSWORD_MESSAGE in _errors(response)
    assert "_auth_user_id" not in client.session


def test_customer_login_refuses_a_huge_password_unhashed(client, no_hashing):
    response = client.post(
        reverse("account:login"),
        {"username": "who@example.com", "password": LONG_PASSWORD},
    )
    assert response.status_code == 200
    assert PASSWORD_MESSAGE in _errors(response)
    assert 'maxlength="128"' in response.content.decode()


def test_signup_refuses_a_huge_password_unhashed(client, no_hashing):
    response = client.post(
        reverse("account:signup"),
        {
            "first_name": "Chiara",
            "last_name": "Neri",
            "email": "chiara@example.com",
            "password": LONG_PASSWORD,
            "password_confirm": LONG_PASSWORD,
            "language": "it",
        },
    )
    assert response.status_code in (200, 400)
    assert PASSWORD_MESSAGE in _errors(response)
    assert not Customer.objects.exists()


def test_password_change_refuses_a_huge_password_unhashed(client):
    customer = CustomerWithLoginFactory()
    client.force_login(customer.user)
    response = client.post(
        reverse("account:password"),
        {
            "old_password": LONG_PASSWORD,
            "new_password1": LONG_PASSWORD,
            "new_password2": LONG_PASSWORD,
        },
    )
    assert response.status_code in (200, 400)
    assert PASSWORD_MESSAGE in _errors(response)
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)


def test_staff_set_password_refuses_a_huge_password(client, manager_user):
    # Setting a password by hand is a Manager's permission.
    client.force_login(manager_user)
    customer = CustomerWithLoginFactory()
    response = client.post(
        f"/staff/customers/{customer.pk}/login/",
        {"password": LONG_PASSWORD, "password_confirm": LONG_PASSWORD},
        follow=True,
    )
    assert PASSWORD_MESSAGE in response.content.decode()
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)


def test_payout_password_recheck_refuses_a_huge_password(customer_client, customer):
    response = customer_client.post(
        "/account/credits/payout/",
        {
            "account_holder": "Marta Neri",
            "iban": "IT60X0542811101000000123456",
            "paypal_email": "",
            "current_password": LONG_PASSWORD,
        },
    )
    assert response.status_code in (200, 400)
    assert PASSWORD_MESSAGE in _errors(response)
    assert not PayoutDetails.objects.exists()


def test_password_reset_refuses_a_huge_password(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    customer = CustomerWithLoginFactory()
    uid = urlsafe_base64_encode(force_bytes(customer.user.pk))
    token = default_token_generator.make_token(customer.user)
    response = client.get(
        reverse("account:password_reset_confirm", args=[uid, token]), follow=True
    )
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": LONG_PASSWORD, "new_password2": LONG_PASSWORD}
    )
    assert response.status_code == 200
    assert PASSWORD_MESSAGE in _errors(response)
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)
