"""Login and access in the browser: credentials, impersonation, sign-up."""

import re

import pytest
from django.core import mail

from customers.models import Customer, CustomerEvent
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_log_in(page, staff):
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_manager_enable_login_and_email_credentials_that_log_in(page):
    # Enabling a login and sending credentials are Manager's, not Staff's.
    staff = StaffFactory(groups=["Manager"])
    customer = CustomerFactory(first_name="Paola", last_name="Verdi")
    staff_log_in(page, staff)

    page.goto(f"/staff/customers/{customer.pk}/")
    page.get_by_role("link", name="Login and access").click()
    page.get_by_role("heading", name="E-mail confirmation").wait_for()
    page.get_by_role("button", name="Enable login").click()
    page.get_by_text("Login enabled.").wait_for()
    page.get_by_role("button", name="Generate and e-mail credentials").click()
    page.get_by_text("A new password was generated and e-mailed").wait_for()
    page.get_by_text("The customer must confirm their e-mail address").wait_for()

    # The e-mail is not confirmed: enabling the login sent the confirmation request.
    assert len(mail.outbox) == 2
    assert all(m.to == [customer.email] for m in mail.outbox)
    (message,) = [m for m in mail.outbox if "/account/login/" in m.body]
    (confirmation,) = [m for m in mail.outbox if "/confirm-email/" in m.body]
    password = re.search(r": ([A-Za-z0-9]{16})$", message.body, re.M)[1]
    login_url = re.search(r"(https?://\S+/account/login/)", message.body)[1]
    confirm_url = re.search(r"(https?://\S+/confirm-email/\S+/)", confirmation.body)[1]

    page.context.clear_cookies()

    def log_in():
        page.goto(login_url)
        page.get_by_label("E-mail").fill(customer.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    log_in()
    page.get_by_text(
        "Confirm your e-mail address first: we sent you a link."
    ).wait_for()
    page.get_by_role("button", name="Send the link again").click()
    page.get_by_text("we sent a new link to it").wait_for()
    assert len(mail.outbox) == 3

    page.goto(confirm_url)
    page.get_by_role("button", name="Confirm my e-mail address").click()
    log_in()
    page.get_by_role("heading", name="Welcome, Paola").wait_for()


def test_staff_impersonate_a_customer_and_return(page):
    manager = StaffFactory(groups=["Manager"])
    customer = CustomerWithLoginFactory(first_name="Bruno", last_name="Galli")
    staff_log_in(page, manager)

    page.goto(f"/staff/customers/{customer.pk}/")
    page.get_by_role("button", name="Log in as this customer").click()
    page.get_by_role("heading", name="Welcome, Bruno").wait_for()
    banner = page.locator("[data-impersonation-banner]")
    assert banner.is_visible()
    assert "Bruno Galli" in banner.inner_text()

    page.get_by_role("button", name="Return to the backoffice").click()
    page.get_by_role("heading", name="Bruno Galli").wait_for()
    assert page.url.endswith(f"/staff/customers/{customer.pk}/")
    assert page.locator("[data-impersonation-banner]").count() == 0
    kinds = list(
        CustomerEvent.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "actor")
    )
    assert kinds == [
        (CustomerEvent.Kind.IMPERSONATION_STARTED, manager.pk),
        (CustomerEvent.Kind.IMPERSONATION_ENDED, manager.pk),
    ]


def test_customer_signs_up_confirms_the_email_and_edits_the_profile(page):
    page.goto("/account/login/?utm_source=browser-test&utm_campaign=launch")
    page.get_by_role("link", name="Create your account").click()
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Costa")
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("weak")
    page.get_by_label("Password again").fill("weak")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("This password is too short.").wait_for()
    assert not Customer.objects.exists()

    page.get_by_label(re.compile(r"^Password:?$")).fill("nina-strong-pass-77")
    page.get_by_label("Password again").fill("nina-strong-pass-77")
    page.get_by_label("Send me the newsletter").check()
    page.get_by_role("button", name="Sign up").click()
    # The same answer as for a taken address: check your inbox, not logged in yet.
    page.get_by_role("heading", name="Check your inbox").wait_for()

    customer = Customer.objects.get(email="nina@example.com")
    assert customer.utm_source == "browser-test"
    assert customer.utm_campaign == "launch"
    assert customer.newsletter_subscribed
    assert "Chrome" in customer.registration_user_agent
    assert len(mail.outbox) == 1
    link = re.search(r"(https?://\S+/account/confirm-email/\S+/)", mail.outbox[0].body)

    page.goto(link[1])
    page.get_by_role("button", name="Confirm my e-mail address").click()
    page.get_by_role("heading", name="Your e-mail is confirmed").wait_for()
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Your account is active"

    # The new customer logs in and goes on to edit their profile.
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_label("Password").fill("nina-strong-pass-77")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome, Nina").wait_for()
    page.locator("#account-nav summary", has_text="My profile").click()
    page.locator("#account-nav").get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Mobile").fill("+351 912 345 678")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your profile was saved.").wait_for()
    customer.refresh_from_db()
    assert customer.mobile == "+351 912 345 678"
