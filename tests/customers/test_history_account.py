import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from core.impersonation import IMPERSONATED_SESSION_KEY, IMPERSONATOR_SESSION_KEY
from core.models import User
from customers.models import (
    CustomerEvent,
    NewsletterList,
    PushDevice,
    ShippingAddress,
    Subscription,
    SupportRequest,
)
from customers.services import billing
from customers.services import history as services
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

API = "/account/api/push-devices/"


@pytest.fixture(autouse=True)
def _no_language_leak():
    """A page in Italian leaves Italian active in the thread: put it back."""
    yield
    translation.deactivate()


def post_json(client, path, data, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(path, body, content_type="application/json", **extra)


def address_of(customer, **fields):
    return billing.shipping_address_create(
        customer=customer,
        **{"address": "Via Roma 1", "city": "Torino", **fields},
    )


# --- Menu and access ---


def test_account_menu_lists_the_profile_pages(customer_client):
    page = customer_client.get("/account/").content.decode()
    for path in (
        "/account/profile/",
        "/account/addresses/",
        "/account/newsletters/",
        "/account/password/",
        "/account/support/",
    ):
        assert f'href="{path}"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/account/profile/",
        "/account/profile/email/",
        "/account/addresses/",
        "/account/addresses/new/",
        "/account/newsletters/",
        "/account/password/",
        "/account/support/",
    ],
)
def test_account_pages_need_a_customer_login(client, staff_user, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    client.force_login(staff_user)
    assert client.get(path).status_code == 404


# --- Profile ---


def test_profile_edit_saves_and_records_an_event(customer_client, customer):
    response = customer_client.post(
        "/account/profile/",
        {
            "first_name": "Giulia",
            "last_name": "<b>Rossi</b>",
            "phone": "+39 011 123",
            "mobile": "+39 333 1234567",
            "birth_date": "1990-05-17",
            "language": "en",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.first_name == "Giulia"
    assert customer.last_name == "<b>Rossi</b>"
    assert str(customer.birth_date) == "1990-05-17"
    assert customer.user.first_name == "Giulia"
    event = CustomerEvent.objects.get(
        customer=customer, kind=CustomerEvent.Kind.PROFILE_UPDATED
    )
    assert event.actor == customer.user
    assert "first name" in event.detail
    page = customer_client.get("/account/profile/").content.decode()
    assert "&lt;b&gt;Rossi&lt;/b&gt;" in page
    assert "<b>Rossi</b>" not in page


def test_profile_edit_bad_input_changes_nothing(customer_client, customer):
    before = customer.first_name
    future = timezone.localdate().replace(year=timezone.localdate().year + 1)
    for birth_date, message in [
        ("1990-02-30", "Enter a valid date."),
        (future.isoformat(), "The birth date cannot be in the future."),
    ]:
        response = customer_client.post(
            "/account/profile/",
            {"first_name": "X", "birth_date": birth_date, "language": "en"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["birth_date"] == [message]
    response = customer_client.post(
        "/account/profile/", {"first_name": "X", "language": "klingon"}
    )
    assert "language" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.first_name == before
    assert not CustomerEvent.objects.filter(kind=CustomerEvent.Kind.PROFILE_UPDATED)


def test_profile_language_change_switches_the_page_language(customer_client, customer):
    customer_client.get("/account/")  # remembers "en" in the language cookie
    response = customer_client.post(
        "/account/profile/",
        {"first_name": customer.first_name, "language": "it"},
        follow=True,
    )
    assert '<html lang="it">' in response.content.decode()
    customer.refresh_from_db()
    assert customer.language == "it"


def test_language_switcher_saves_the_customers_preferred_language(
    customer_client, customer
):
    assert customer.language != "es"
    response = customer_client.post(
        "/i18n/language/", {"language": "es", "next": "/account/"}, follow=True
    )
    assert '<html lang="es">' in response.content.decode()
    customer.refresh_from_db()
    assert customer.language == "es"
    event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.PROFILE_UPDATED)
    assert event.customer == customer and event.actor == customer.user


def test_language_switcher_while_impersonating_changes_only_the_cookie(
    client, manager_user, customer
):
    client.force_login(manager_user)
    client.post(f"/staff/customers/{customer.pk}/impersonate/")
    before = customer.language
    response = client.post(
        "/i18n/language/", {"language": "es", "next": "/account/"}, follow=True
    )
    assert '<html lang="es">' in response.content.decode()
    customer.refresh_from_db()
    assert customer.language == before
    assert not CustomerEvent.objects.filter(kind=CustomerEvent.Kind.PROFILE_UPDATED)


# --- E-mail change ---


def test_email_change_moves_the_login_and_asks_for_confirmation(
    client, customer, django_capture_on_commit_callbacks
):
    customer.email_confirmed_at = timezone.now()
    customer.save()
    client.force_login(customer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/profile/email/",
            {"email": "New.Address@Example.com", "current_password": PASSWORD},
        )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "new.address@example.com"
    assert customer.user.email == "new.address@example.com"
    assert customer.email_confirmed_at is None
    assert [message.to for message in mail.outbox] == [["new.address@example.com"]]
    assert Client().login(username="new.address@example.com", password=PASSWORD)
    assert CustomerEvent.objects.filter(
        customer=customer, kind=CustomerEvent.Kind.PROFILE_UPDATED
    ).exists()


def test_email_change_refuses_a_wrong_password(customer_client, customer):
    old = customer.email
    response = customer_client.post(
        "/account/profile/email/",
        {"email": "new@example.com", "current_password": "wrong"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["current_password"] == [
        "This is not your current password."
    ]
    customer.refresh_from_db()
    assert customer.email == old and customer.user.email == old


def test_email_change_refuses_a_taken_or_invalid_address(customer_client, customer):
    taken = CustomerFactory()
    old = customer.email
    response = customer_client.post(
        "/account/profile/email/",
        {"email": taken.email.upper(), "current_password": PASSWORD},
    )
    assert response.context["form"].errors["email"] == [
        "A customer with this e-mail already exists."
    ]
    response = customer_client.post(
        "/account/profile/email/",
        {"email": "not an e-mail", "current_password": PASSWORD},
    )
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    customer.refresh_from_db()
    assert customer.email == old


def test_email_change_refuses_the_address_of_another_login(customer_client, customer):
    other_login = User.objects.create_user("someone@example.com", "x-pass-12345")
    response = customer_client.post(
        "/account/profile/email/",
        {"email": other_login.email, "current_password": PASSWORD},
    )
    assert response.status_code == 200
    assert "Another account already logs in with this e-mail." in (
        response.content.decode()
    )
    customer.refresh_from_db()
    assert customer.email != other_login.email


def impersonate(client, staff_user, customer):
    client.force_login(customer.user)
    session = client.session
    session[IMPERSONATOR_SESSION_KEY] = staff_user.pk
    session[IMPERSONATED_SESSION_KEY] = customer.user.pk
    session.save()


def test_email_and_password_changes_are_forbidden_while_impersonating(
    client, staff_user, customer
):
    impersonate(client, staff_user, customer)
    old = customer.email
    response = client.post(
        "/account/profile/email/",
        {"email": "new@example.com", "current_password": PASSWORD},
    )
    assert response.status_code == 403
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "brand-new-pass-42",
            "new_password2": "brand-new-pass-42",
        },
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.email == old
    assert customer.user.check_password(PASSWORD)
    assert client.get("/account/profile/").status_code == 200


# --- Password ---


def test_password_change_keeps_the_session(customer_client, customer):
    response = customer_client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "brand-new-pass-42",
            "new_password2": "brand-new-pass-42",
        },
    )
    assert response.status_code == 302
    customer.user.refresh_from_db()
    assert customer.user.check_password("brand-new-pass-42")
    assert customer_client.get("/account/").status_code == 200
    assert CustomerEvent.objects.filter(
        customer=customer, kind=CustomerEvent.Kind.PASSWORD_SET
    ).exists()


def test_password_change_bad_input(customer_client, customer):
    response = customer_client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "123", "new_password2": "1234"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "old_password" in errors
    customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)


# --- Addresses ---


def test_billing_data_save(customer_client, customer):
    response = customer_client.post(
        "/account/addresses/",
        {
            "company_name": "Rossi Srl",
            "vat_number": "IT01234567890",
            "billing_address": "Via Po 2",
            "billing_city": "Torino",
            "billing_country": "it",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.company_name == "Rossi Srl"
    assert customer.billing_country == "IT"
    response = customer_client.post("/account/addresses/", {"billing_country": "Italy"})
    assert response.status_code == 200
    assert "billing_country" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.billing_country == "IT"


def test_shipping_address_add_edit_default_delete(customer_client, customer):
    response = customer_client.post(
        "/account/addresses/new/",
        {"label": "Home", "address": "Via Roma 1", "city": "Torino", "country": "it"},
    )
    assert response.status_code == 302
    home = ShippingAddress.objects.get(customer=customer)
    assert home.is_default and home.country == "IT"
    customer_client.post(
        "/account/addresses/new/",
        {"label": "Office", "address": "Corso Francia 5", "city": "Torino"},
    )
    office = ShippingAddress.objects.get(label="Office")
    assert not office.is_default

    response = customer_client.post(
        f"/account/addresses/{office.pk}/edit/",
        {"label": "Office", "address": "Corso Francia 7", "city": "Torino"},
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.address == "Corso Francia 7"

    customer_client.post(f"/account/addresses/{office.pk}/default/")
    office.refresh_from_db()
    home.refresh_from_db()
    assert office.is_default and not home.is_default

    page = customer_client.get("/account/addresses/").content.decode()
    assert "Corso Francia 7" in page and "Via Roma 1" in page

    customer_client.post(f"/account/addresses/{office.pk}/delete/")
    home.refresh_from_db()
    assert list(ShippingAddress.objects.all()) == [home]
    assert home.is_default


def test_shipping_address_bad_input_shows_errors(customer_client, customer):
    response = customer_client.post(
        "/account/addresses/new/", {"address": "", "city": "", "country": "ITA"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"address", "city", "country"}
    assert not ShippingAddress.objects.exists()


def test_another_customers_address_answers_404(customer_client, customer):
    other = address_of(CustomerFactory(), label="Theirs")
    for path in ("edit/", "delete/"):
        assert (
            customer_client.get(f"/account/addresses/{other.pk}/{path}").status_code
            == 404
        )
    for path in ("edit/", "delete/", "default/"):
        response = customer_client.post(
            f"/account/addresses/{other.pk}/{path}",
            {"address": "Mine now", "city": "X"},
        )
        assert response.status_code == 404
    other.refresh_from_db()
    assert other.address == "Via Roma 1"
    assert "Theirs" not in customer_client.get("/account/addresses/").content.decode()


# --- Newsletters ---


def test_newsletters_subscribe_and_unsubscribe_by_the_customer(
    customer_client, customer
):
    news = NewsletterList.objects.create(name="News")
    offers = NewsletterList.objects.create(name="Offers")
    old = NewsletterList.objects.create(name="Old list", archived=True)
    page = customer_client.get("/account/newsletters/").content.decode()
    assert "News" in page and "Offers" in page and "Old list" not in page

    response = customer_client.post(
        "/account/newsletters/",
        {"newsletter_subscribed": "on", "newsletter_lists": [news.pk, offers.pk]},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.newsletter_subscribed
    subscriptions = Subscription.objects.filter(customer=customer)
    assert {s.newsletter_list for s in subscriptions} == {news, offers}
    assert {s.source for s in subscriptions} == {Subscription.Source.CUSTOMER}

    customer_client.post("/account/newsletters/", {"newsletter_lists": [news.pk]})
    customer.refresh_from_db()
    assert not customer.newsletter_subscribed
    offers_subscription = subscriptions.get(newsletter_list=offers)
    assert offers_subscription.unsubscribed_at is not None
    assert subscriptions.get(newsletter_list=news).unsubscribed_at is None
    kinds = list(
        CustomerEvent.objects.filter(customer=customer).values_list("kind", flat=True)
    )
    assert kinds.count(CustomerEvent.Kind.SUBSCRIBED) == 3
    assert kinds.count(CustomerEvent.Kind.UNSUBSCRIBED) == 2
    assert not Subscription.objects.filter(newsletter_list=old).exists()


def test_newsletters_refuse_unknown_and_archived_lists(customer_client, customer):
    old = NewsletterList.objects.create(name="Old list", archived=True)
    for value in (old.pk, 999999, "abc"):
        response = customer_client.post(
            "/account/newsletters/", {"newsletter_lists": [value]}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["newsletter_lists"]
    assert not Subscription.objects.exists()


# --- Support ---


def test_support_request_send_and_list_own(customer_client, customer):
    services.support_request_create(
        customer=CustomerFactory(), subject="Someone else's", message="secret"
    )
    response = customer_client.post(
        "/account/support/",
        {"subject": "Invoice <script>x</script>", "message": "Where is it?"},
    )
    assert response.status_code == 302
    request = SupportRequest.objects.get(customer=customer)
    assert request.subject == "Invoice <script>x</script>"
    page = customer_client.get("/account/support/").content.decode()
    assert "Invoice &lt;script&gt;x&lt;/script&gt;" in page
    assert "Someone else" not in page


def test_support_request_bad_input_saves_nothing(customer_client):
    response = customer_client.post(
        "/account/support/", {"subject": "", "message": "x" * 5001}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "message"}
    assert not SupportRequest.objects.exists()


def test_support_request_shows_in_staff_timeline_and_sidebar(
    customer_client, customer, staff_user
):
    customer_client.post(
        "/account/support/", {"subject": "Refund please", "message": "Thanks"}
    )
    staff_client = Client()
    staff_client.force_login(staff_user)
    page = staff_client.get(f"/staff/customers/{customer.pk}/history/")
    html = page.content.decode()
    assert "Refund please" in html
    assert '<dd data-figure="support_requests">1 (1 open)</dd>' in html


# --- Push devices (JSON) ---


def test_push_device_register_and_refresh(customer_client, customer):
    response = post_json(
        customer_client, API, {"token": "abc", "platform": "ios", "name": "iPhone"}
    )
    assert response.status_code == 201
    assert response.json()["token"] == "abc"
    response = post_json(
        customer_client, API, {"token": "abc", "platform": "ios", "name": "iPhone 16"}
    )
    assert response.status_code == 200
    device = PushDevice.objects.get()
    assert device.customer == customer and device.name == "iPhone 16"
    listed = customer_client.get(API).json()["devices"]
    assert [d["name"] for d in listed] == ["iPhone 16"]


def test_push_device_token_of_another_customer_answers_like_a_new_one(
    customer_client,
):
    """Issue 10, item 8: no 409 that tells the token is in use, and no takeover."""
    owner = CustomerFactory()
    services.push_device_register(
        customer=owner, token="abc", platform="android", name="Theirs"
    )
    before = PushDevice.objects.get()

    taken = post_json(
        customer_client, API, {"token": "abc", "platform": "ios", "name": "Mine"}
    )
    new = post_json(
        customer_client, API, {"token": "xyz", "platform": "ios", "name": "Mine"}
    )

    assert taken.status_code == new.status_code == 201
    taken_body, new_body = taken.json(), new.json()
    assert set(taken_body) == set(new_body)
    assert taken_body["token"] == "abc"
    for field in ("platform", "name"):
        assert taken_body[field] == new_body[field]
    assert owner.email not in taken.content.decode()
    assert "Theirs" not in taken.content.decode()
    device = PushDevice.objects.get(token="abc")
    assert device.customer == owner
    assert (device.platform, device.name) == ("android", "Theirs")
    assert device.last_seen_at == before.last_seen_at


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "The body is not valid JSON."),
        ('["abc"]', 'Send a JSON object: {"token": …, "platform": …, "name": …}.'),
        ({"platform": "ios"}, "The token is missing."),
        ({"token": "  ", "platform": "ios"}, "The token is missing."),
        ({"token": "abc"}, "The platform is missing (ios, android or web)."),
        ({"token": "abc", "platform": "symbian"}, "The platform must be ios, android"),
        (
            {"token": "a" * 513, "platform": "web"},
            "The token is too long (at most 512 characters).",
        ),
        ({"token": 12, "platform": "web"}, "Send it as a string."),
        (
            {"token": "abc", "platform": "web", "name": "n" * 101},
            "The name is too long",
        ),
    ],
)
def test_push_device_bad_input_is_a_400_with_a_message(customer_client, body, message):
    response = post_json(customer_client, API, body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert not PushDevice.objects.exists()


def test_push_device_delete_own_and_not_anothers(customer_client, customer):
    services.push_device_register(customer=customer, token="mine/1:x", platform="web")
    services.push_device_register(
        customer=CustomerFactory(), token="theirs", platform="web"
    )
    response = customer_client.delete(f"{API}theirs/")
    assert response.status_code == 404
    response = customer_client.delete(f"{API}mine/1:x/")
    assert response.status_code == 204
    assert list(PushDevice.objects.values_list("token", flat=True)) == ["theirs"]
    assert customer_client.delete(f"{API}mine/1:x/").status_code == 404


def test_push_device_api_needs_a_customer_login(client, staff_user):
    response = post_json(client, API, {"token": "abc", "platform": "ios"})
    assert response.status_code == 401
    assert client.delete(f"{API}abc/").status_code == 401
    client.force_login(staff_user)
    response = post_json(client, API, {"token": "abc", "platform": "ios"})
    assert response.status_code == 404
    assert not PushDevice.objects.exists()


def test_push_device_api_requires_the_csrf_header():
    customer = CustomerWithLoginFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    client.get("/account/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    body = {"token": "abc", "platform": "web"}
    assert post_json(client, API, body).status_code == 403
    assert client.delete(f"{API}abc/").status_code == 403
    assert not PushDevice.objects.exists()
    response = post_json(client, API, body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    response = client.delete(f"{API}abc/", headers={"X-CSRFToken": token})
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", API, "GET, POST"),
        ("patch", API, "GET, POST"),
        ("delete", API, "GET, POST"),
        ("get", f"{API}abc/", "DELETE"),
        ("post", f"{API}abc/", "DELETE"),
    ],
)
def test_push_device_api_answers_a_wrong_method_in_json(
    customer_client, method, path, allow
):
    response = getattr(customer_client, method)(path)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == allow
    assert response.json()["error"] == f"This method is not allowed here. Use {allow}."


def test_push_device_api_answers_a_csrf_failure_in_json():
    customer = CustomerWithLoginFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    for response in (
        post_json(client, API, {"token": "abc", "platform": "web"}),
        client.delete(f"{API}abc/"),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert "X-CSRFToken" in response.json()["error"]
    assert not PushDevice.objects.exists()


def test_push_device_api_answers_a_too_big_body_in_json(customer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post_json(customer_client, API, {"token": "a" * 200, "platform": "web"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "The request is not valid."
    assert not PushDevice.objects.exists()


def test_push_device_api_answers_json_errors_when_not_a_customer(client, staff_user):
    for response in (client.get(API), client.delete(f"{API}abc/")):
        assert response.status_code == 401
        assert response.json() == {"error": "Log in first."}
    client.force_login(staff_user)
    response = client.get(API)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}
