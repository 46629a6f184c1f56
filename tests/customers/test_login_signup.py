"""Customer sign-up, its origin capture and its e-mails."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from core.models import SentEmail, User
from customers.middleware import FIRST_VISIT_COOKIE
from customers.models import Customer, CustomerEvent
from customers.services import login as login_services
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"


def signup_data(**overrides):
    return {
        "first_name": "Chiara",
        "last_name": "Neri",
        "email": "Chiara@Example.com",
        "password": "a-brand-new-pass-42",
        "password_confirm": "a-brand-new-pass-42",
        "language": "it",
        "newsletter": "on",
        **overrides,
    }


def test_signup_creates_the_customer_and_asks_to_confirm(
    client, django_capture_on_commit_callbacks
):
    client.get(
        "/account/login/?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring&utm_term=crm&utm_content=hero",
        HTTP_REFERER="https://blog.example.org/post",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/signup/", signup_data(), HTTP_USER_AGENT=USER_AGENT
        )

    assert response.status_code == 302
    assert response["Location"] == "/account/signup/sent/"
    # Italian was chosen in the form: the answer is in Italian.
    sent = client.get("/account/signup/sent/").content.decode()
    assert "Controlla la tua casella di posta" in sent
    customer = Customer.objects.select_related("user").get()
    assert customer.email == "chiara@example.com"
    assert (customer.first_name, customer.last_name) == ("Chiara", "Neri")
    assert customer.language == "it"
    assert customer.newsletter_subscribed is True
    assert customer.source == "signup"
    assert customer.utm_source == "newsletter"
    assert customer.utm_medium == "email"
    assert customer.utm_campaign == "spring"
    assert customer.utm_term == "crm"
    assert customer.utm_content == "hero"
    assert customer.referrer == "https://blog.example.org/post"
    assert customer.registration_user_agent == USER_AGENT
    assert customer.email_confirmed_at is None
    assert customer.login_enabled
    assert not customer.user.is_staff
    # Not logged in yet: a sign-up with a taken address could not be, and both must
    # look the same. The new password works at the login.
    assert "_auth_user_id" not in client.session
    assert client.login(username="chiara@example.com", password="a-brand-new-pass-42")
    assert "Benvenuto, Chiara" in client.get("/account/").content.decode()

    registered = CustomerEvent.objects.get(kind=CustomerEvent.Kind.REGISTERED)
    assert registered.customer == customer
    assert registered.actor == customer.user
    assert CustomerEvent.objects.filter(
        customer=customer, kind=CustomerEvent.Kind.CONFIRMATION_SENT
    ).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chiara@example.com"]
    assert SentEmail.objects.get().language == "it"
    assert "Ciao Chiara," in mail.outbox[0].body


def test_signup_then_the_emailed_link_confirms_and_activates(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/signup/", signup_data(language="en"))
    link = re.search(
        r"https?://[^/\s]+(/account/confirm-email/\S+/)", mail.outbox[0].body
    )[1]
    assert "Confirm my e-mail address" in client.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(link).content.decode()
        client.post(link)
    assert "Your e-mail is confirmed" in page
    customer = Customer.objects.get()
    assert customer.email_confirmed_at is not None
    assert [message.subject for message in mail.outbox] == [
        "Confirm your e-mail address",
        "Your account is active",
    ]
    assert "http://testserver/account/login/" in mail.outbox[1].body
    assert (
        CustomerEvent.objects.filter(kind=CustomerEvent.Kind.EMAIL_CONFIRMED).count()
        == 1
    )


def test_signup_without_newsletter_consent(client):
    data = signup_data()
    del data["newsletter"]
    client.post("/account/signup/", data)
    assert Customer.objects.get().newsletter_subscribed is False


def test_first_visit_only_is_remembered(client):
    client.get("/account/login/?utm_source=first", HTTP_REFERER="https://a.example/")
    cookie = client.cookies[FIRST_VISIT_COOKIE].value
    client.get("/account/login/?utm_source=second", HTTP_REFERER="https://b.example/")
    assert client.cookies[FIRST_VISIT_COOKIE].value == cookie
    client.post("/account/signup/", signup_data())
    customer = Customer.objects.get()
    assert customer.utm_source == "first"
    assert customer.referrer == "https://a.example/"


def test_first_visit_keeps_no_referrer_from_our_own_site(client):
    client.get("/account/signup/", HTTP_REFERER="http://testserver/account/login/")
    client.post("/account/signup/", signup_data())
    customer = Customer.objects.get()
    assert customer.referrer == ""
    assert customer.utm_source == ""


def test_first_visit_is_not_tracked_for_logged_in_people(customer_client):
    customer_client.get("/account/?utm_source=x")
    assert FIRST_VISIT_COOKIE not in customer_client.cookies


def test_a_forged_origin_cookie_is_ignored(client):
    client.cookies[FIRST_VISIT_COOKIE] = '{"utm_source": "forged"}'
    client.post("/account/signup/", signup_data())
    assert Customer.objects.get().utm_source == ""


def test_origin_clean_keeps_only_valid_values():
    assert login_services.origin_clean(
        {
            "utm_source": "x" * 300,
            "utm_medium": 42,
            "referrer": "javascript:alert(1)",
            "is_staff": "true",
        }
    ) == {"utm_source": "x" * 200}


def test_signup_page_offers_the_active_language(client):
    client.cookies["django_language"] = "pt"
    page = client.get("/account/signup/").content.decode()
    assert '<option value="pt" selected>' in page


def test_login_page_links_to_signup(client):
    assert 'href="/account/signup/"' in client.get("/account/login/").content.decode()


@override_settings(CLIENTELA_SIGNUP_ENABLED=False)
def test_signup_switched_off_is_a_404_without_a_link(client):
    assert client.get("/account/signup/").status_code == 404
    assert client.post("/account/signup/", signup_data()).status_code == 404
    assert not Customer.objects.exists()
    assert "/account/signup/" not in client.get("/account/login/").content.decode()


def test_signup_while_logged_in_goes_home(customer_client):
    response = customer_client.get("/account/signup/")
    assert response["Location"] == "/account/"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"first_name": ""}, "first_name", "This field is required."),
        (
            {"password": "12345678901", "password_confirm": "12345678901"},
            "password",
            "This password is entirely numeric.",
        ),
        (
            {
                "password": "chiara@example.com",
                "password_confirm": "chiara@example.com",
            },
            "password",
            "The password is too similar to the e-mail",
        ),
        (
            {"password_confirm": "something-else-42"},
            "password_confirm",
            "The two passwords do not match.",
        ),
        ({"language": "xx"}, "language", "Select a valid choice."),
        ({"first_name": "x" * 151}, "first_name", "at most 150 characters"),
    ],
)
def test_signup_with_bad_input_says_why_next_to_the_field_and_creates_nothing(
    client, overrides, field, message
):
    response = client.post("/account/signup/", signup_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    field_html = page.split(f'name="{field}"')[1].split('<div class="field')[0]
    assert message in field_html
    assert not Customer.objects.exists()
    assert not User.objects.exists()
    assert not SentEmail.objects.exists()
    assert "_auth_user_id" not in client.session


def _page(response) -> str:
    """A page as a person reads it: the CSRF token is masked anew each time."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", response.content.decode())


@pytest.mark.parametrize(
    ("email", "owner", "login_url"),
    [
        ("TAKEN@example.com", "customer", "http://testserver/account/login/"),
        (
            "card@example.com",
            "customer without login",
            "http://testserver/account/login/",
        ),
        ("Boss@example.com", "staff", "http://testserver/staff/login/"),
    ],
)
def test_signup_with_a_taken_email_answers_like_a_new_one_and_emails_the_owner(
    email, owner, login_url, django_capture_on_commit_callbacks
):
    """Issue 10, item 8: sign-up does not tell which e-mails have an account."""
    taken = CustomerWithLoginFactory(email="taken@example.com", language="pt")
    CustomerFactory(email="card@example.com", first_name="Carla", language="es")
    staff = StaffFactory(email="boss@example.com", first_name="Bea", language="it")
    customers, users = Customer.objects.count(), User.objects.count()

    new_visitor, attacker = Client(), Client()
    new_answer = new_visitor.post(
        "/account/signup/", signup_data(email="brand-new@example.com")
    )
    Customer.objects.get(email="brand-new@example.com").delete()
    User.objects.filter(email="brand-new@example.com").delete()
    SentEmail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        answer = attacker.post("/account/signup/", signup_data(email=email))

    assert answer.status_code == new_answer.status_code == 302
    assert answer["Location"] == new_answer["Location"] == "/account/signup/sent/"
    assert _page(attacker.get(answer["Location"])) == _page(
        new_visitor.get(new_answer["Location"])
    )
    assert "_auth_user_id" not in attacker.session
    assert (Customer.objects.count(), User.objects.count()) == (customers, users)
    assert not CustomerEvent.objects.exists()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    taken.user.refresh_from_db()
    assert taken.user.check_password(PASSWORD)
    assert not Customer.objects.filter(user=staff).exists()
    # The owner, not the visitor, is told, in the owner's language.
    notice = SentEmail.objects.get()
    assert notice.template == "signup_existing"
    assert notice.to == email.lower()
    assert notice.language == {"customer": "pt", "staff": "it"}.get(owner, "es")
    assert [message.to for message in mail.outbox] == [[email.lower()]]
    assert login_url in mail.outbox[0].body


def test_signup_with_a_taken_email_emails_its_owner_once_an_hour(
    client, django_capture_on_commit_callbacks
):
    CustomerWithLoginFactory(email="taken@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(3):
            response = client.post(
                "/account/signup/", signup_data(email="taken@example.com")
            )
            assert response["Location"] == "/account/signup/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You already have an account"
    assert "nothing was created" in mail.outbox[0].body


def test_signup_refuses_a_bad_password_alike_for_taken_and_new_emails(client):
    CustomerWithLoginFactory(email="taken@example.com")
    weak = {"password": "12345678901", "password_confirm": "12345678901"}
    pages = [
        _page(client.post("/account/signup/", signup_data(email=email, **weak)))
        for email in ("taken@example.com", "brand-new@example.com")
    ]
    assert "This password is entirely numeric." in pages[0]
    assert pages[0].replace("taken@", "") == pages[1].replace("brand-new@", "")
    assert not SentEmail.objects.exists()


def test_signup_stores_markup_as_text_and_shows_it_escaped(client):
    client.post("/account/signup/", signup_data(first_name="<script>alert(1)</script>"))
    customer = Customer.objects.get()
    assert customer.first_name == "<script>alert(1)</script>"
    client.force_login(customer.user)
    page = client.get("/account/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_signup_in_italian_answers_in_italian(
    client, django_capture_on_commit_callbacks
):
    client.get("/account/signup/", HTTP_ACCEPT_LANGUAGE="it")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/signup/",
            signup_data(),
            HTTP_ACCEPT_LANGUAGE="it",
            follow=True,
        )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/account/signup/sent/"
    assert "Controlla la tua casella di posta" in page
    assert "Check your inbox" not in page


def test_signup_choosing_italian_answers_in_italian(
    client, django_capture_on_commit_callbacks
):
    # An English browser, Italian picked in the form: the answer follows the choice.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/signup/",
            signup_data(language="it"),
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    page = response.content.decode()
    assert "Controlla la tua casella di posta" in page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
