"""Product names and descriptions, and the bank-transfer instructions, per language:
customers read theirs (pages: the request's; e-mails: their preferred language),
or the default language's when theirs is blank."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from core.models import SentEmail
from selling.models import Order, Product, SellingSettings
from selling.services import cart_add
from tests.balance.test_emails import flush_queued_emails
from tests.customers.factories import CustomerWithLoginFactory
from tests.selling.account_support import CART, PLACE, SHOP, order_url
from tests.selling.support import place

pytestmark = pytest.mark.django_db

PRODUCT_CREATE = reverse("selling:staff_product_create")
SELLING_SETTINGS = reverse("selling:staff_settings")


@pytest.fixture(autouse=True)
def _locmem_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def hosting():
    return Product.objects.create(
        name="Web hosting",
        description="Fast servers.",
        name_translations={"it": "Hosting web", "es": "Alojamiento web"},
        description_translations={"it": "Server veloci.", "pt": "   "},
        price=Decimal("80.00"),
    )


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def logged_in(client, language):
    customer = CustomerWithLoginFactory(language=language)
    client.force_login(customer.user)
    return customer


# --- the product, read by customers ---


@pytest.mark.parametrize(
    ("language", "name", "description"),
    [
        ("it", "Hosting web", "Server veloci."),
        ("es", "Alojamiento web", "Fast servers."),
        ("pt", "Web hosting", "Fast servers."),  # no text (a blank one): default
        ("en", "Web hosting", "Fast servers."),
    ],
)
def test_shop_and_cart_show_the_product_in_the_customers_language(
    client, hosting, language, name, description
):
    customer = logged_in(client, language)
    cart_add(customer=customer, product_id=hosting.pk, quantity=1)

    shop = client.get(SHOP).content.decode()
    cart = client.get(CART).content.decode()

    assert f"<h2>{name}</h2>" in shop
    assert description in shop
    assert name in cart
    for other in {"Hosting web", "Alojamiento web", "Web hosting"} - {name}:
        assert other not in shop
        assert other not in cart


def test_shop_reads_the_texts_with_the_products_no_query_per_product(
    client, django_assert_max_num_queries
):
    logged_in(client, "it")
    Product.objects.create(
        name="One", name_translations={"it": "Uno"}, price=Decimal("1.00")
    )
    client.get(SHOP)  # warms the session
    with django_assert_max_num_queries(8) as few:
        client.get(SHOP)
    for n in range(15):
        Product.objects.create(
            name=f"P{n}", name_translations={"it": f"Prodotto {n}"}, price=1
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(SHOP).content.decode()
    assert "Prodotto 14" in html and "Uno" in html


def test_the_order_keeps_the_names_it_was_sold_with(client, hosting):
    customer = logged_in(client, "it")
    order = place(customer, items=[(hosting, 1)])
    hosting.name_translations = {"it": "Hosting nuovo"}
    hosting.save()

    html = client.get(order_url(order)).content.decode()
    orders = client.get("/account/orders/").content.decode()

    assert "Hosting web" in html and "Hosting nuovo" not in html
    assert "Hosting web" in orders
    assert order.lines.get().product_name == "Web hosting"  # staff read this one


@pytest.mark.parametrize(
    ("language", "name"),
    [("it", "Hosting web"), ("es", "Alojamiento web"), ("pt", "Web hosting")],
)
def test_order_emails_name_the_product_in_the_customers_language(
    hosting, language, name
):
    customer = CustomerWithLoginFactory(language=language, email="c@example.com")
    with translation.override("en"):  # whoever places it, in whatever language
        order = place(customer, items=[(hosting, 2)])

    flush_queued_emails()

    received = mail.outbox[0]
    assert received.to == ["c@example.com"]
    assert f"2 × {name}" in received.body
    sent = SentEmail.objects.get(event_key=f"selling.order_received:{order.pk}")
    assert sent.context["lines"][0]["name"] == name


def test_the_staff_copy_names_the_product_in_the_sites_language(hosting):
    row = SellingSettings.load()
    row.staff_notification_emails = "orders@shop.example"
    row.save()
    customer = CustomerWithLoginFactory(language="es", email="c@example.com")
    order = place(customer, items=[(hosting, 2)])

    flush_queued_emails()

    to_customer = next(m for m in mail.outbox if m.to == ["c@example.com"])
    to_staff = next(m for m in mail.outbox if m.to == ["orders@shop.example"])
    assert "2 × Alojamiento web" in to_customer.body
    assert "2 × Web hosting" in to_staff.body
    assert "Alojamiento" not in to_staff.body
    assert to_staff.subject.startswith(f"New order {order.number}")
    assert "Payment method: Bank transfer" in to_staff.body


def test_an_inactive_product_is_named_in_the_customers_language(client, hosting):
    customer = logged_in(client, "es")
    cart_add(customer=customer, product_id=hosting.pk, quantity=1)
    hosting.is_active = False
    hosting.save()

    response = client.post(
        "/account/cart/add/", {"product": hosting.pk, "quantity": 1}, follow=True
    )

    assert "“Alojamiento web” ya no está a la venta." in response.content.decode()


# --- the bank-transfer instructions ---


@pytest.fixture
def instructions():
    row = SellingSettings.load()
    row.bank_transfer_instructions = {
        "en": "Pay to IBAN IT60 X054, reference {order}.",
        "pt": "Pague para o IBAN IT60 X054, referência {order}.",
    }
    row.save()
    return row


def test_portuguese_customer_reads_the_portuguese_instructions(
    client, hosting, instructions
):
    customer = logged_in(client, "pt")
    customer.email = "ana@example.com"
    customer.save()
    cart_add(customer=customer, product_id=hosting.pk, quantity=1)

    response = client.post(
        PLACE, {"payment_method": "bank_transfer", "nonce": uuid.uuid4()}, follow=True
    )

    order = Order.objects.get(customer=customer)
    html = response.content.decode()
    assert f"Pague para o IBAN IT60 X054, referência {order.number}." in html
    assert "Pay to IBAN" not in html
    flush_queued_emails()
    to_customer = next(m for m in mail.outbox if m.to == ["ana@example.com"])
    assert f"referência {order.number}" in to_customer.body
    assert "Pay to IBAN" not in to_customer.body


def test_a_customer_without_instructions_in_their_language_reads_the_default(
    client, hosting, instructions
):
    customer = logged_in(client, "it")
    order = place(customer, items=[(hosting, 1)])

    html = client.get(order_url(order)).content.decode()

    assert f"Pay to IBAN IT60 X054, reference {order.number}." in html


def test_instructions_already_stored_as_one_text_are_the_default_languages():
    row = SellingSettings.load()
    row.bank_transfer_instructions = "Pay at the desk."

    assert row.localized("bank_transfer_instructions", "pt") == "Pay at the desk."


# --- the staff forms: texts per language, bad input refused ---


def product_post(**fields):
    return {
        "name_en": "Domain",
        "price": "12.00",
        "renewal_period": "",
        "renewal_unit": "",
        "is_active": "on",
        **fields,
    }


def test_product_form_saves_each_language(manager_client):
    response = manager_client.post(
        PRODUCT_CREATE,
        product_post(
            name_it="Dominio",
            name_es="  ",
            description_en="A name.",
            description_pt="Um nome.",
        ),
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert product.name == "Domain"
    assert product.name_translations == {"it": "Dominio"}
    assert product.description == "A name."
    assert product.description_translations == {"pt": "Um nome."}
    page = manager_client.get(
        reverse("selling:staff_product_edit", args=[product.pk])
    ).content.decode()
    assert 'name="name_it"' in page and "Dominio" in page
    assert "data-language-tabs" in page


@pytest.mark.parametrize(
    ("fields", "error_field", "message"),
    [
        ({"name_it": "x" * 201}, "name_it", "at most 200 characters"),
        ({"description_pt": "x" * 5001}, "description_pt", "at most 5000"),
        ({"name_en": ""}, "name_en", "required"),
    ],
)
def test_product_form_refuses_bad_texts_and_saves_nothing(
    manager_client, fields, error_field, message
):
    response = manager_client.post(PRODUCT_CREATE, product_post(**fields))

    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[error_field])
    groups = {group["code"]: group for group in form.language_groups()}
    assert groups[error_field.rsplit("_", 1)[1]]["selected"]  # its tab shows first
    assert not Product.objects.exists()


def test_product_form_refuses_an_unknown_language(manager_client):
    response = manager_client.post(PRODUCT_CREATE, product_post(name_xx="Nome"))

    assert response.status_code == 400
    errors = " ".join(response.context["form"].non_field_errors())
    assert "“xx” is not one of this site's languages" in errors
    assert "nothing was saved" in errors
    assert "is not one of this site" in response.content.decode()
    assert not Product.objects.exists()


def test_instructions_form_refuses_bad_input_and_keeps_the_stored_texts(
    manager_client, instructions
):
    too_long = manager_client.post(
        SELLING_SETTINGS,
        {
            "bank_transfer_instructions_en": "New",
            "bank_transfer_instructions_pt": "x" * 2001,
            "staff_notification_emails": "",
        },
    )
    unknown = manager_client.post(
        SELLING_SETTINGS,
        {
            "bank_transfer_instructions_en": "New",
            "bank_transfer_instructions_pt_br": "Novo",
            "staff_notification_emails": "",
        },
    )

    assert too_long.status_code == 400
    assert too_long.context["form"].errors["bank_transfer_instructions_pt"]
    assert unknown.status_code == 400
    assert "“pt_br”" in " ".join(unknown.context["form"].non_field_errors())
    assert SellingSettings.load().bank_transfer_instructions == {
        "en": "Pay to IBAN IT60 X054, reference {order}.",
        "pt": "Pague para o IBAN IT60 X054, referência {order}.",
    }
