"""The "Login and access" tab of the customer card and the sidebar's actions."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from core.models import SentEmail, User
from customers.models import Customer, CustomerAction, CustomerEvent
from customers.services import login as login_services
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

NONCE = "n" * 24


def sent_password(message) -> str:
    return re.search(r": ([A-Za-z0-9]{16})$", message.body, re.M)[1]


def events(customer, kind):
    return CustomerEvent.objects.filter(customer=customer, kind=kind)


def viewer_client():
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def manager_client(manager_user):
    """Setting a password, enabling a login and sending credentials are Manager's."""
    client = Client()
    client.force_login(manager_user)
    return client


def login_url(customer, action=""):
    return f"/staff/customers/{customer.pk}/login/{action + '/' if action else ''}"


def test_login_tab_shows_the_login_state(manager_client, customer):
    page = manager_client.get(login_url(customer)).content.decode()
    assert 'data-login-state="enabled"' in page
    assert f"Logs in to the customer area as {customer.email}" in page
    assert "Generate and e-mail credentials" in page
    assert 'aria-current="page">Login and access</a>' in page


def test_login_tab_of_a_customer_without_login(manager_client):
    customer = CustomerFactory()
    page = manager_client.get(login_url(customer)).content.decode()
    assert 'data-login-state="none"' in page
    assert "Enable login" in page


def test_login_tab_needs_staff_with_view_permission(client, customer):
    assert client.get(login_url(customer))["Location"].startswith("/staff/login/")
    client.force_login(StaffFactory())
    assert client.get(login_url(customer)).status_code == 403
    client.force_login(customer.user)
    assert client.get(login_url(customer)).status_code == 403


def test_login_tab_of_an_unknown_customer_is_a_404(staff_client):
    assert staff_client.get("/staff/customers/999999/login/").status_code == 404


def test_login_disable_logs_the_customer_out_at_their_next_request(
    staff_client, staff_user, customer
):
    customer_client = Client()
    customer_client.force_login(customer.user)
    assert customer_client.get("/account/").status_code == 200

    response = staff_client.post(login_url(customer, "disable"))

    assert response.status_code == 302
    assert response["Location"] == login_url(customer)
    customer.user.refresh_from_db()
    assert customer.user.is_active is False
    response = customer_client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert not customer_client.login(username=customer.email, password=PASSWORD)
    event = events(customer, CustomerEvent.Kind.LOGIN_DISABLED).get()
    assert event.actor == staff_user


def test_login_enable_reactivates_the_same_password(manager_client, customer):
    customer.user.is_active = False
    customer.user.save()
    manager_client.post(login_url(customer, "enable"))
    assert Client().login(username=customer.email, password=PASSWORD)
    assert events(customer, CustomerEvent.Kind.LOGIN_ENABLED).count() == 1


def test_login_enable_creates_a_login_nobody_knows_the_password_of(
    manager_client, manager_user
):
    customer = CustomerFactory(email="new@example.com", language="it")
    response = manager_client.post(login_url(customer, "enable"), follow=True)
    customer.refresh_from_db()
    assert customer.login_enabled
    assert customer.user.email == "new@example.com"
    assert customer.user.language == "it"
    assert customer.user.has_usable_password()
    assert not customer.user.is_staff
    assert "Send the credentials or set a password" in response.content.decode()
    assert (
        events(customer, CustomerEvent.Kind.LOGIN_ENABLED).get().actor == manager_user
    )


def test_login_enable_twice_records_it_once(manager_client, customer):
    manager_client.post(login_url(customer, "enable"))
    assert not events(customer, CustomerEvent.Kind.LOGIN_ENABLED).exists()


@pytest.mark.parametrize(
    "action", ["enable", "disable", "credentials", "confirmation", ""]
)
def test_login_actions_need_the_change_permission(customer, action):
    client = viewer_client()
    data = {"nonce": NONCE, "password": "a-brand-new-pass-42"}
    data["password_confirm"] = data["password"]
    password_hash = customer.user.password

    response = client.post(login_url(customer, action), data)

    assert response.status_code == 403
    customer.user.refresh_from_db()
    assert customer.user.is_active
    assert customer.user.password == password_hash
    assert not CustomerEvent.objects.exists()
    assert not SentEmail.objects.exists()


def test_login_tab_without_change_permission_shows_no_forms(customer):
    page = viewer_client().get(login_url(customer)).content.decode()
    panel = page.split('class="tab-panel"')[1]
    assert "Enabled" in panel
    assert 'method="post"' not in panel.split("</aside>")[0].split("<aside")[0]
    assert "Reset password and send credentials" not in page


def test_login_actions_answer_only_post(staff_client, customer):
    assert staff_client.get(login_url(customer, "disable")).status_code == 405
    customer.user.refresh_from_db()
    assert customer.user.is_active


def test_password_set_by_hand(manager_client, manager_user, customer):
    response = manager_client.post(
        login_url(customer),
        {"password": "a-brand-new-pass-42", "password_confirm": "a-brand-new-pass-42"},
    )
    assert response.status_code == 302
    assert Client().login(username=customer.email, password="a-brand-new-pass-42")
    assert events(customer, CustomerEvent.Kind.PASSWORD_SET).get().actor == manager_user
    assert not events(customer, CustomerEvent.Kind.LOGIN_ENABLED).exists()


def test_password_set_by_hand_creates_and_enables_the_login(manager_client):
    customer = CustomerFactory()
    manager_client.post(
        login_url(customer),
        {"password": "a-brand-new-pass-42", "password_confirm": "a-brand-new-pass-42"},
    )
    assert Client().login(username=customer.email, password="a-brand-new-pass-42")
    assert events(customer, CustomerEvent.Kind.LOGIN_ENABLED).count() == 1


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("12345678901", "12345678901", "This password is entirely numeric."),
        ("password", "password", "This password is too common."),
        ("Ab3$x", "Ab3$x", "This password is too short."),
        ("a-brand-new-pass-42", "another-pass-43", "The two passwords do not match."),
        ("", "", "This field is required."),
    ],
)
def test_password_set_with_a_bad_password_says_why_and_changes_nothing(
    manager_client, customer, password, confirm, message
):
    password_hash = customer.user.password
    response = manager_client.post(
        login_url(customer), {"password": password, "password_confirm": confirm}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(
        r'class="field field-invalid">.*?<p class="field-error" role="alert">'
        + re.escape(message),
        page,
        re.S,
    )
    customer.user.refresh_from_db()
    assert customer.user.password == password_hash
    assert not CustomerEvent.objects.exists()


def test_password_like_the_email_is_refused_by_the_service(customer):
    with pytest.raises(ValidationError) as error:
        login_services.customer_login_password_set(
            customer=customer, password=customer.email, actor=None
        )
    assert "too similar" in str(error.value.message_dict["password"])


def test_credentials_are_emailed_in_the_customers_language_and_log_in(
    manager_client, manager_user, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(
        email="ana@example.com",
        first_name="Ana",
        language="es",
        email_confirmed_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            login_url(customer, "credentials"), {"nonce": NONCE}
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    # The new strings are translated when the lead regenerates the catalogs; the
    # greeting is an existing one.
    assert SentEmail.objects.get().language == "es"
    assert "Hola Ana," in message.body
    assert "http://testserver/account/login/" in message.body
    password = sent_password(message)
    assert len(password) == 16
    assert Client().login(username="ana@example.com", password=password)
    assert events(customer, CustomerEvent.Kind.CREDENTIALS_SENT).get().actor == (
        manager_user
    )
    assert events(customer, CustomerEvent.Kind.LOGIN_ENABLED).count() == 1


def test_credentials_sent_twice_with_the_same_nonce_change_and_send_once(
    manager_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(login_url(customer, "credentials"), {"nonce": NONCE})
    customer.user.refresh_from_db()
    password_hash = customer.user.password
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            login_url(customer, "credentials"), {"nonce": NONCE}, follow=True
        )

    assert "These credentials were already sent." in response.content.decode()
    assert len(mail.outbox) == 1
    customer.user.refresh_from_db()
    assert customer.user.password == password_hash
    password = sent_password(mail.outbox[0])
    assert Client().login(username=customer.email, password=password)
    assert events(customer, CustomerEvent.Kind.CREDENTIALS_SENT).count() == 1


def test_credentials_with_a_new_nonce_send_a_new_password(
    manager_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(login_url(customer, "credentials"), {"nonce": NONCE})
        manager_client.post(login_url(customer, "credentials"), {"nonce": "m" * 24})
    assert len(mail.outbox) == 2
    first, second = (sent_password(message) for message in mail.outbox)
    assert first != second
    assert Client().login(username=customer.email, password=second)


@pytest.mark.parametrize("nonce", ["", "short", "<script>alert(1)</script>xxxxxxx"])
def test_credentials_without_a_valid_nonce_do_nothing(manager_client, customer, nonce):
    password_hash = customer.user.password
    response = manager_client.post(
        login_url(customer, "credentials"), {"nonce": nonce}, follow=True
    )
    assert "please reload the page" in response.content.decode()
    customer.user.refresh_from_db()
    assert customer.user.password == password_hash
    assert not SentEmail.objects.exists()


def test_a_staff_account_never_becomes_a_customer_login(
    manager_client, django_capture_on_commit_callbacks
):
    staff = StaffFactory(email="boss@example.com")
    staff_hash = staff.password
    customer = CustomerFactory(email="boss@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        for action in ("enable", "credentials"):
            response = manager_client.post(
                login_url(customer, action), {"nonce": NONCE}, follow=True
            )
            assert "A staff account can never be a customer login." in (
                response.content.decode()
            )
        response = manager_client.post(
            login_url(customer),
            {
                "password": "a-brand-new-pass-42",
                "password_confirm": "a-brand-new-pass-42",
            },
        )
    assert "A staff account can never be a customer login." in response.content.decode()

    staff.refresh_from_db()
    customer.refresh_from_db()
    assert staff.password == staff_hash
    assert customer.user is None
    assert mail.outbox == []
    assert not CustomerEvent.objects.exists()


def test_a_login_of_another_customer_is_refused(manager_client):
    other = CustomerWithLoginFactory(email="shared@example.com")
    Customer.objects.filter(pk=other.pk).update(email="other@example.com")
    customer = CustomerFactory(email="shared@example.com")
    response = manager_client.post(login_url(customer, "enable"), follow=True)
    assert "Another customer already logs in with this e-mail." in (
        response.content.decode()
    )
    customer.refresh_from_db()
    assert customer.user is None


def test_a_login_left_by_a_deleted_customer_is_taken_over_with_a_new_password(
    manager_client,
):
    orphan = User.objects.create_user("back@example.com", password=PASSWORD)
    customer = CustomerFactory(email="back@example.com")
    manager_client.post(login_url(customer, "enable"))
    customer.refresh_from_db()
    assert customer.user == orphan
    assert not Client().login(username="back@example.com", password=PASSWORD)


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", message.body)[1]


def test_confirmation_request_and_link_confirm_the_email_once(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    customer = CustomerWithLoginFactory(
        first_name="Luca", language="it", email_confirmed_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            login_url(customer, "confirmation"), {"nonce": NONCE}
        )
        staff_client.post(login_url(customer, "confirmation"), {"nonce": NONCE})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert SentEmail.objects.get().language == "it"
    assert "Ciao Luca," in mail.outbox[0].body
    assert events(customer, CustomerEvent.Kind.CONFIRMATION_SENT).get().actor == (
        staff_user
    )
    link = confirmation_link(mail.outbox[0])

    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(link)
        again = visitor.post(link)

    assert response.status_code == 200
    assert again.status_code == 200
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None
    event = events(customer, CustomerEvent.Kind.EMAIL_CONFIRMED).get()
    assert event.actor == customer.user
    assert len(mail.outbox) == 2
    assert SentEmail.objects.filter(template="account_activated").get().language == (
        "it"
    )
    assert "Ciao Luca," in mail.outbox[1].body
    page = staff_client.get(login_url(customer)).content.decode()
    assert 'data-email-confirmed="yes"' in page
    assert "Send confirmation request" not in page


def test_confirmation_link_works_when_logged_in(
    customer_client, customer, django_capture_on_commit_callbacks
):
    # Logged in, then moved to an address not confirmed yet.
    customer.email_confirmed_at = None
    customer.save(update_fields=["email_confirmed_at"])
    path = (
        f"/account/confirm-email/{login_services.email_confirmation_token(customer)}/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(path)
    assert "Your e-mail is confirmed" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None
    assert len(mail.outbox) == 1


def test_confirmation_request_for_a_confirmed_email_is_refused(staff_client):
    customer = CustomerFactory(email_confirmed_at=timezone.now())
    response = staff_client.post(
        login_url(customer, "confirmation"), {"nonce": NONCE}, follow=True
    )
    assert "already confirmed" in response.content.decode()
    assert not SentEmail.objects.exists()


@pytest.mark.parametrize("tamper", ["x", "swap"])
def test_confirmation_link_that_was_tampered_with_confirms_nothing(client, tamper):
    customer = CustomerFactory()
    other = CustomerFactory()
    token = login_services.email_confirmation_token(customer)
    if tamper == "x":
        token = token[:-2] + "xx"
    else:
        value, stamp, _signature = token.split(":")
        other_signature = login_services.email_confirmation_token(other).split(":")[2]
        token = f"{value}:{stamp}:{other_signature}"
    response = client.post(f"/account/confirm-email/{token}/")
    assert response.status_code == 400
    assert "This confirmation link is not valid." in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is None
    assert not CustomerEvent.objects.exists()


def test_confirmation_link_that_expired_confirms_nothing(client):
    customer = CustomerFactory()
    token = login_services.email_confirmation_token(customer)
    with override_settings(CLIENTELA_EMAIL_CONFIRMATION_MAX_AGE=-1):
        response = client.post(f"/account/confirm-email/{token}/")
    assert response.status_code == 400
    assert "This confirmation link has expired." in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is None


def test_confirmation_link_of_a_previous_email_address_confirms_nothing(client):
    customer = CustomerFactory(email="before@example.com")
    token = login_services.email_confirmation_token(customer)
    Customer.objects.filter(pk=customer.pk).update(email="after@example.com")
    assert client.get(f"/account/confirm-email/{token}/").status_code == 400
    assert client.post(f"/account/confirm-email/{token}/").status_code == 400
    customer.refresh_from_db()
    assert customer.email_confirmed_at is None


def test_sidebar_shows_last_action_origin_and_contact_links(staff_client):
    customer = CustomerFactory(
        phone="06 1234 5678",
        mobile="+39 333 123 4567",
        source="signup",
        utm_source="<b>news</b>",
        utm_campaign="spring",
        referrer="https://search.example.org/?q=x",
        registration_user_agent="Mozilla/5.0 (X11; Linux)",
    )
    CustomerAction.objects.create(customer=customer, title="Called about <renewal>")
    page = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    sidebar = page.split('<aside class="customer-sidebar"')[1].split("</aside>")[0]

    assert "Called about &lt;renewal&gt;" in sidebar
    assert 'href="tel:0612345678"' in sidebar
    assert 'href="tel:+393331234567"' in sidebar
    assert 'href="sms:+393331234567"' in sidebar
    assert 'href="https://wa.me/393331234567"' in sidebar
    assert "&lt;b&gt;news&lt;/b&gt;" in sidebar
    assert "<b>news</b>" not in sidebar
    assert "spring" in sidebar
    assert "https://search.example.org/?q=x" in sidebar
    assert "Linux" in sidebar


FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


def test_sidebar_names_the_registration_device(staff_client):
    customer = CustomerFactory(registration_user_agent=FIREFOX_ANDROID)
    page = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    sidebar = page.split('<aside class="customer-sidebar"')[1].split("</aside>")[0]
    assert "<b>Device:</b> <span" in sidebar
    assert ">Firefox Mobile on Android</span>" in sidebar
    # The raw header stays in the tooltip only.
    assert f'title="{FIREFOX_ANDROID}"' in sidebar
    assert f">{FIREFOX_ANDROID}<" not in sidebar


def test_timeline_names_the_login_device(staff_client):
    customer = CustomerWithLoginFactory()
    Client(HTTP_USER_AGENT=FIREFOX_ANDROID).post(
        "/account/login/", {"username": customer.email, "password": PASSWORD}
    )
    assert events(customer, CustomerEvent.Kind.LOGGED_IN).exists()
    page = staff_client.get(f"/staff/customers/{customer.pk}/history/")
    html = page.content.decode()
    assert "Firefox Mobile on Android" in html
    assert FIREFOX_ANDROID not in html


def test_sidebar_last_action_is_the_latest_event_when_newer(staff_client, customer):
    CustomerAction.objects.create(customer=customer, title="Old call")
    login_services.customer_login_disable(customer=customer, actor=None)
    page = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    figure = page.split('data-figure="last_action">')[1].split("</dd>")[0]
    assert "Login disabled" in figure
    assert "Old call" not in figure


def test_sidebar_without_mobile_has_no_whatsapp(staff_client):
    customer = CustomerFactory(phone="", mobile="")
    page = staff_client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "wa.me" not in page
    assert "sms:" not in page
    assert 'data-figure="last_action">—' in page


def test_sidebar_reset_credentials_goes_back_to_the_page_it_was_on(
    manager_client, customer, django_capture_on_commit_callbacks
):
    card = f"/staff/customers/{customer.pk}/"
    page = manager_client.get(card).content.decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            login_url(customer, "credentials"), {"nonce": nonce, "next": card}
        )
    assert response["Location"] == card
    assert len(mail.outbox) == 1


def test_sidebar_action_never_redirects_to_another_site(staff_client, customer):
    response = staff_client.post(
        login_url(customer, "disable"), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == login_url(customer)


def test_sidebar_log_in_as_only_with_the_permission(staff_client, manager_user):
    customer = CustomerWithLoginFactory()
    card = f"/staff/customers/{customer.pk}/"
    assert "Log in as this customer" not in staff_client.get(card).content.decode()
    manager = Client()
    manager.force_login(manager_user)
    assert "Log in as this customer" in manager.get(card).content.decode()
    without_login = CustomerFactory()
    page = manager.get(f"/staff/customers/{without_login.pk}/").content.decode()
    assert "Log in as this customer" not in page


def test_confirmation_with_a_very_long_request_key_is_sent_once(
    django_capture_on_commit_callbacks,
):
    customer = CustomerWithLoginFactory(email_confirmed_at=None)
    request_key = "email-change:" + "x" * 250
    with django_capture_on_commit_callbacks(execute=True):
        for expected in (True, False):
            sent = login_services.customer_confirmation_send(
                customer=customer,
                actor=None,
                request_key=request_key,
                site_url="http://testserver",
            )
            assert sent is expected
    assert len(mail.outbox) == 1
    assert len(SentEmail.objects.get().event_key) <= 200


def test_opening_the_confirmation_link_confirms_nothing_until_the_button_is_pressed(
    client, django_capture_on_commit_callbacks
):
    """A mail scanner or a link preview opens links: only the POST confirms."""
    customer = CustomerFactory(email="scan@example.com")
    token = login_services.email_confirmation_token(customer)
    path = f"/account/confirm-email/{token}/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(path)
        client.head(path)
    assert page.status_code == 200
    assert "Confirm my e-mail address" in page.content.decode()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is None
    assert not CustomerEvent.objects.exists()
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(path)
    assert "Your e-mail is confirmed" in confirmed.content.decode()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None
    assert "Your e-mail is confirmed" in client.get(path).content.decode()


# Who may open a customer's account: setting a password, enabling a login and
# sending credentials are permissions of their own, Manager's and not Staff's.

NEW_PASSWORD = {
    "password": "a-brand-new-pass-42",
    "password_confirm": "a-brand-new-pass-42",
    "nonce": NONCE,
}


def test_staff_group_lacks_the_login_permissions_manager_has(staff_user, manager_user):
    for codename in (
        "set_customer_password",
        "enable_customer_login",
        "send_customer_credentials",
    ):
        assert staff_user.has_perm("customers.change_customer")
        assert not staff_user.has_perm(f"customers.{codename}")
        assert manager_user.has_perm(f"customers.{codename}")


@pytest.mark.parametrize("action", ["", "credentials", "enable"])
def test_staff_group_cannot_open_a_customers_account(staff_client, action):
    customer = CustomerWithLoginFactory()
    if action == "enable":
        customer.user.is_active = False
        customer.user.save()
    password_hash = customer.user.password

    response = staff_client.post(login_url(customer, action), NEW_PASSWORD)

    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()
    customer.user.refresh_from_db()
    assert customer.user.password == password_hash
    assert customer.user.is_active is (action != "enable")
    assert not CustomerEvent.objects.exists()
    assert not SentEmail.objects.exists()


def test_staff_group_can_still_disable_a_login_and_ask_for_confirmation(
    staff_client, customer
):
    assert staff_client.post(login_url(customer, "confirmation"), NEW_PASSWORD)[
        "Location"
    ] == login_url(customer)
    assert staff_client.post(login_url(customer, "disable"))["Location"] == (
        login_url(customer)
    )
    customer.user.refresh_from_db()
    assert customer.user.is_active is False


def test_login_tab_hides_what_the_staff_group_may_not_do(staff_client, customer):
    page = staff_client.get(login_url(customer)).content.decode()
    assert "Disable login" in page
    assert "Generate and e-mail credentials" not in page
    assert "Set a password by hand" not in page
    assert 'name="password"' not in page
    assert "Reset password and send credentials" not in page
    without_login = CustomerFactory()
    page = staff_client.get(login_url(without_login)).content.decode()
    assert 'data-login-state="none"' in page
    assert "Enable login" not in page


def test_login_tab_shows_manager_every_login_action(manager_client, customer):
    page = manager_client.get(login_url(customer)).content.decode()
    assert "Generate and e-mail credentials" in page
    assert "Set a password by hand" in page
    assert "Reset password and send credentials" in page
    assert (
        "Enable login"
        in manager_client.get(login_url(CustomerFactory())).content.decode()
    )


def test_login_services_refuse_staff_without_the_permission(staff_user, customer):
    password_hash = customer.user.password
    calls = (
        lambda: login_services.customer_login_password_set(
            customer=customer, password="a-brand-new-pass-42", actor=staff_user
        ),
        lambda: login_services.customer_credentials_send(
            customer=customer, actor=staff_user, request_key=NONCE, login_url="/"
        ),
        lambda: login_services.customer_login_enable(
            customer=CustomerFactory(), actor=staff_user
        ),
    )
    for call in calls:
        with pytest.raises(ValidationError) as error:
            call()
        assert error.value.code == "permission"
    customer.user.refresh_from_db()
    assert customer.user.password == password_hash
    assert not CustomerEvent.objects.exists()
    assert not SentEmail.objects.exists()


def test_password_set_by_staff_names_who_and_tells_the_customer_without_it(
    manager_client, manager_user, django_capture_on_commit_callbacks
):
    customer = CustomerWithLoginFactory(first_name="Ana", email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(login_url(customer), NEW_PASSWORD, follow=True)

    assert "e-mailed that staff changed their password" in response.content.decode()
    event = events(customer, CustomerEvent.Kind.PASSWORD_SET).get()
    assert event.actor == manager_user
    assert manager_user.email in event.detail
    assert event.data == {"set_by": manager_user.pk, "set_by_email": manager_user.email}
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert "changed by our staff" in message.subject
    assert "A member of our staff set a new password" in message.body
    assert "http://testserver/account/password-reset/" in message.body
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert "a-brand-new-pass-42" not in text
    assert "a-brand-new-pass-42" not in str(SentEmail.objects.get().context)
