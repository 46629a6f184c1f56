"""The win-back funnel built in the editor by clicking, in a real browser: a
Manager adds a credit, an e-mail, a wait, a condition and a renewal goal,
publishes and activates it; a service expires, the ticks run, and the credit is on
the customer's card and the e-mail in the e-mail log."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.models import Funnel, Run
from automation.services import funnels_tick
from core.models import SentEmail
from expirations.services.jobs import expirations_run_due
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_step(page, link_name: str, what: str):
    """Opens the panel from an "add" link and picks what the step does."""
    page.get_by_role("link", name=link_name).click()
    panel = page.get_by_test_id("step-form")
    panel.get_by_label("New step").select_option(label=what)
    panel.get_by_role("button", name="Next").click()
    panel.get_by_role("button", name="Add the step").wait_for()
    return panel


def added(page, key: str):
    page.get_by_test_id(f"step-{key}").wait_for()
    page.get_by_test_id("step-form").wait_for(state="detached")


def test_manager_builds_the_win_back_funnel_and_it_runs(page):
    staff = StaffFactory(groups=["Manager"])
    customer = CustomerFactory(first_name="Marta", newsletter_subscribed=True)
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.locator("summary", has_text="Marketing").click()
    page.get_by_role("link", name="Funnels", exact=True).click()
    page.get_by_label("Name").fill("Win-back")
    page.get_by_label("Trigger").select_option(label="Expiration expired")
    page.get_by_role("button", name="Create the funnel").click()
    page.get_by_text("The funnel was created").wait_for()

    panel = add_step(page, "+ Add a step at the start", "Assign credits")
    panel.get_by_label("Amount").fill("10.00")
    panel.get_by_label("Note").fill("A gift to come back, {first_name}")
    panel.get_by_role("button", name="Add the step").click()
    added(page, "assign-credits")

    panel = add_step(page, "Add a step after “assign-credits”", "Send an e-mail")
    panel.get_by_label("Subject (English)").fill("{first_name}, we miss you")
    panel.get_by_label("Body (HTML) (English)").fill("<p>10.00 are waiting.</p>")
    panel.get_by_role("button", name="Add the step").click()
    added(page, "send-email")

    panel = add_step(page, "Add a step after “send-email”", "Wait")
    panel.get_by_label("Days").fill("7")
    panel.get_by_role("button", name="Add the step").click()
    added(page, "wait")

    panel = add_step(page, "Add a step after “wait”", "Has an active service")
    panel.get_by_role("button", name="Add the step").click()
    added(page, "has-active")

    page.get_by_role("link", name="+ Add a goal").click()
    panel = page.get_by_test_id("step-form")
    panel.get_by_label("Goal: when this happens").select_option(
        label="Expiration renewed"
    )
    panel.get_by_role("button", name="Next").click()
    panel.get_by_role("button", name="Add the step").click()
    added(page, "renewed")

    flow = page.get_by_test_id("funnel-flow")
    assert "Would credit" in flow.inner_text()
    assert page.get_by_test_id("branch-has-active-yes").is_visible()

    page.get_by_role("link", name="Publish").click()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Version 1 is published.").wait_for()
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("The funnel is active.").wait_for()
    funnel = Funnel.objects.get()
    assert funnel.status == Funnel.Status.ACTIVE
    assert [step["key"] for step in funnel.published_version.definition["steps"]] == [
        "assign-credits",
        "send-email",
        "wait",
        "has-active",
        "end",
        "renewed",
    ]

    # The service runs out: the daily job fires "expiration.expired".
    today = timezone.localdate()
    ExpirationFactory(customer=customer, expiry_date=today - timedelta(days=1))
    expirations_run_due(today)
    run = Run.objects.get(customer=customer)
    now = timezone.now()
    funnels_tick(now=now)
    funnels_tick(now=now + timedelta(days=8))
    run.refresh_from_db()
    assert run.state == Run.State.EXITED
    customer.refresh_from_db()
    assert customer.balance == Decimal("10.00")

    page.goto(f"/staff/customers/{customer.pk}/balance/")
    assert "10.00" in page.get_by_test_id("balance-current").inner_text()
    page.get_by_text("A gift to come back, Marta").wait_for()

    email = SentEmail.objects.get(to=customer.email, template="automation_email")
    page.goto("/staff/emails/")
    page.get_by_text("Marta, we miss you").wait_for()
    assert email.subject == "Marta, we miss you"
