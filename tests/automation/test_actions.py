"""The automation module's own actions: the marketing e-mail (consent, shortcodes,
nh3, one-click unsubscribe headers, once per key) and the e-mail to staff."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from automation.actions import unsubscribe_token, unsubscribe_token_read
from automation.definition import definition_check
from automation.models import StepVisit
from automation.services import funnel_import, funnel_simulate, funnels_tick
from core import plugins
from core.automation_events import automation_event_send
from core.models import SentEmail
from customers.models import CustomerEvent, NewsletterList, Subscription
from customers.services.marketing import newsletter_list_subscribe
from customers.timeline import customer_timeline
from tests.automation.conftest import document
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

EMAIL = {
    "key": "mail",
    "kind": "action",
    "action": "automation.send_email",
    "params": {
        "subject": {"en": "Hello {first_name}", "it": "Ciao {first_name}"},
        "body": {
            "en": "<p>Dear {first_name}, you have {points}.</p><script>x()</script>",
            "it": "<p>Caro {first_name}, hai {points}.</p>",
        },
    },
}


@pytest.fixture
def points_shortcode():
    plugins.automation_shortcodes.register(
        plugins.AutomationShortcode("points", "Points", lambda c, ctx: "<3 points>")
    )
    yield
    plugins.automation_shortcodes.unregister("points")


def send_to(customer, django_capture_on_commit_callbacks):
    funnel_import(document=document([EMAIL]), activate=True)
    automation_event_send("test.event", customer_id=customer.pk, entry_key="e")
    with django_capture_on_commit_callbacks(execute=True):
        report = funnels_tick()
    return report


def test_send_email_with_consent_in_the_customers_language(
    points_shortcode, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(
        first_name="Lia", language="it", newsletter_subscribed=True
    )
    assert send_to(customer, django_capture_on_commit_callbacks).done == 1
    [message] = mail.outbox
    assert message.subject == "Ciao Lia"
    html = message.alternatives[0][0]
    assert "<p>Caro Lia, hai &lt;3 points&gt;.</p>" in html
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.endswith(
        reverse("automation:unsubscribe", args=[unsubscribe_token(customer.pk)])
    )
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert url in message.body
    visit = StepVisit.objects.get()
    assert SentEmail.objects.get().event_key == f"funnel-step:{visit.pk}"
    assert visit.result == f"E-mail “Ciao Lia” queued to {customer.email}."


def test_send_email_sanitises_the_body(
    points_shortcode, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(first_name="<b>Bo</b>", newsletter_subscribed=True)
    send_to(customer, django_capture_on_commit_callbacks)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "x()" not in html
    assert "Dear &lt;b&gt;Bo&lt;/b&gt;" in html


def test_send_email_without_consent_is_skipped_and_recorded(
    points_shortcode, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(newsletter_subscribed=False)
    assert send_to(customer, django_capture_on_commit_callbacks).skipped == 1
    assert mail.outbox == []
    assert StepVisit.objects.get().result == (
        f"Not sent: {customer.email} has not consented to the newsletter."
    )


def test_send_email_twice_with_the_same_key_sends_once(
    django_capture_on_commit_callbacks,
):
    action = plugins.automation_actions.get("automation.send_email")
    customer = CustomerFactory(newsletter_subscribed=True)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            action.run(
                customer,
                EMAIL["params"],
                idempotency_key="funnel-step:1",
                context=plugins.AutomationContext(),
            )
    assert len(mail.outbox) == 1


def test_send_email_params_are_checked_by_its_form():
    bad = {**EMAIL, "params": {"subject": {"xx": "Hi"}, "body": {"en": ""}}}
    problems = definition_check(document([bad]))
    assert (
        "step 1 'mail': Subject: Subject: “xx” is not a language of the site."
        in problems
    )
    assert any(p.startswith("step 1 'mail': Body (HTML): Body (en)") for p in problems)


def test_simulation_describes_the_email(points_shortcode):
    funnel = funnel_import(document=document([EMAIL]))
    customer = CustomerFactory(first_name="Al", newsletter_subscribed=True)
    assert funnel_simulate(funnel, customer)[0].text == (
        f"Would e-mail “Hello Al” to {customer.email}."
    )


def unsubscribe_events(customer):
    return CustomerEvent.objects.filter(
        customer=customer, kind=CustomerEvent.Kind.UNSUBSCRIBED
    )


def test_one_click_unsubscribe_post_goes_through_the_customers_service():
    customer = CustomerWithLoginFactory(newsletter_subscribed=True)
    url = reverse("automation:unsubscribe", args=[unsubscribe_token(customer.pk)])
    # RFC 8058: a mail client posts with no session and no CSRF token.
    client = Client(enforce_csrf_checks=True)
    assert "Stop these e-mails" in client.get(url).content.decode()

    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    customer.refresh_from_db()
    assert not customer.newsletter_subscribed
    [event] = unsubscribe_events(customer)
    assert event.detail == "Newsletter"
    assert event.actor == customer.user  # the customer's own change
    assert event.data == {"newsletter": False, "source": "customer"}
    # A second POST changes nothing (and still answers).
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert unsubscribe_events(customer).count() == 1
    assert "not subscribed" in client.get(url).content.decode()
    bad = reverse("automation:unsubscribe", args=["forged"])
    assert client.post(bad).status_code == 404


def test_unsubscribe_shows_on_the_card_timeline_as_the_customers_own(
    client, manager_user
):
    customer = CustomerFactory(newsletter_subscribed=True)  # no login
    url = reverse("automation:unsubscribe", args=[unsubscribe_token(customer.pk)])
    client.post(url, {"List-Unsubscribe": "One-Click"})

    page = customer_timeline(user=manager_user, customer=customer)

    [event] = [e for e in page.events if e.kind == CustomerEvent.Kind.UNSUBSCRIBED]
    assert event.actor == "The customer"
    assert event.body == "Newsletter"


@pytest.fixture
def news():
    return NewsletterList.objects.create(name="Offers")


def list_email(news):
    return {**EMAIL, "params": {**EMAIL["params"], "newsletter_list": news.pk}}


def test_send_email_to_a_list_goes_by_the_lists_consent_and_its_link_leaves_it(
    points_shortcode, news, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(newsletter_subscribed=False)
    newsletter_list_subscribe(newsletter_list=news, customer_ids=[customer.pk])
    outsider = CustomerFactory(newsletter_subscribed=True)
    funnel_import(document=document([list_email(news)]), activate=True)
    for someone in (customer, outsider):
        automation_event_send("test.event", customer_id=someone.pk, entry_key="e")
    with django_capture_on_commit_callbacks(execute=True):
        report = funnels_tick()

    assert (report.done, report.skipped) == (1, 1)
    assert StepVisit.objects.get(state=StepVisit.State.SKIPPED).result == (
        f"Not sent: {outsider.email} is not subscribed to the list “Offers”."
    )
    [message] = mail.outbox
    assert message.to == [customer.email]
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert unsubscribe_token_read(token) == (customer.pk, news.pk)
    client = Client(enforce_csrf_checks=True)
    assert "Offers" in client.get(url).content.decode()

    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    client.post(url, {"List-Unsubscribe": "One-Click"})

    subscription = Subscription.objects.get(customer=customer, newsletter_list=news)
    assert subscription.unsubscribed_at is not None
    assert subscription.source == Subscription.Source.CUSTOMER
    [event] = unsubscribe_events(customer)
    assert event.detail == "Offers"
    outsider.refresh_from_db()
    assert outsider.newsletter_subscribed  # the newsletter is another consent


def test_send_email_list_must_exist(news):
    step = list_email(news)
    assert definition_check(document([step])) == []
    news.delete()

    [problem] = definition_check(document([step]))

    assert "Select a valid choice" in problem


def test_email_staff(django_capture_on_commit_callbacks):
    funnel_import(
        document=document(
            [
                {
                    "key": "tell",
                    "kind": "action",
                    "action": "automation.email_staff",
                    "params": {
                        "to": "boss@example.com, desk@example.com",
                        "subject": "New: {first_name}",
                        "body": "<p>{first_name} joined.</p>",
                    },
                }
            ]
        ),
        activate=True,
    )
    customer = CustomerFactory(first_name="Zoe", newsletter_subscribed=False)
    automation_event_send("test.event", customer_id=customer.pk, entry_key="e")
    with django_capture_on_commit_callbacks(execute=True):
        funnels_tick()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "boss@example.com",
        "desk@example.com",
    ]
    assert {m.subject for m in mail.outbox} == {"New: Zoe"}
