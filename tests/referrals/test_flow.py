"""The whole path through real requests: the link, the cookie, the sign-up, the
paid order, the pending commission, the window passing, the credit (once), the
withdrawal request; refunds inside and after the window."""

from __future__ import annotations

import pytest
from django.core import mail

from balance.models import Entry
from balance.services import withdrawal_request
from core.models import SentEmail
from customers.models import Customer
from referrals.models import Commission, Referral
from selling.models import Order
from tests.customers.factories import CustomerWithLoginFactory
from tests.referrals.support import COOKIE_NAME, D, rules, run, visit
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Nora",
    "last_name": "Vidal",
    "email": "nora@example.com",
    "password": "a-brand-new-pass-42",
    "password_confirm": "a-brand-new-pass-42",
    "language": "en",
}


def signup_through_link(client, referrer, **data) -> Customer:
    response = visit(client, referrer)
    assert response.status_code == 302
    assert response["Location"] == "/account/signup/"
    response = client.post("/account/signup/", {**SIGNUP, **data})
    assert response.status_code == 302, response.content
    return Customer.objects.get(email=(data.get("email") or SIGNUP["email"]).lower())


def buy(client, customer, product, quantity=1) -> Order:
    """The customer fills the cart and places an order by bank transfer."""
    client.force_login(customer.user)
    client.post("/account/cart/add/", {"product": product.pk, "quantity": quantity})
    response = client.post(
        "/account/checkout/place/",
        {
            "payment_method": "bank_transfer",
            "nonce": "5f0e8a36-1c1b-4f51-9d7b-2d1e3c4b5a69",
        },
    )
    assert response.status_code == 302, response.content
    return Order.objects.filter(customer=customer).latest("pk")


def mark_paid(client, manager_user, order):
    client.force_login(manager_user)
    response = client.post(
        f"/staff/orders/{order.pk}/mark-paid/", {"payment_reference": "TRN-1"}
    )
    assert response.status_code == 302, response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def refund(client, manager_user, order):
    client.force_login(manager_user)
    response = client.post(f"/staff/orders/{order.pk}/refund/", {"reason": "Unhappy"})
    assert response.status_code == 302, response.content


def test_link_signup_paid_order_commission_credited_once_then_withdrawn(
    client, manager_user, django_capture_on_commit_callbacks
):
    rules(commission_percent=D("10.00"), refund_window_days=30)
    referrer = CustomerWithLoginFactory(email="ref@example.com")
    product = ProductFactory(price=D("123.45"))

    response = visit(client, referrer)
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 86400
    with django_capture_on_commit_callbacks(execute=True):
        referred = signup_through_link(client, referrer)
    referral = Referral.objects.get(referred=referred)
    assert referral.referrer == referrer
    assert referral.source == Referral.Source.LINK
    assert referral.events.get().kind == "created"

    referred.user.is_active = True
    referred.user.save()
    order = buy(client, referred, product)
    with django_capture_on_commit_callbacks(execute=True):
        mark_paid(client, manager_user, order)

    commission = Commission.objects.get(order=order)
    assert commission.status == Commission.Status.PENDING
    assert commission.amount == D("12.35")  # 10 % of 123.45, half up
    assert commission.referrer == referrer
    assert SentEmail.objects.filter(
        event_key=f"referral.commission_pending:{commission.pk}"
    ).exists()
    referrer.refresh_from_db()
    assert referrer.balance == D("0.00")

    # The referrer's page shows it pending, not spendable.
    client.force_login(referrer.user)
    page = client.get("/account/referrals/")
    assert page.context["stats"].pending == D("12.35")
    assert page.context["stats"].signups == 1
    assert page.context["stats"].paying == 1
    assert page.context["stats"].visits == 2

    assert "0 commissions credited" in run(days_after=29)
    commission.refresh_from_db()
    assert commission.status == Commission.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        out = run(days_after=31)
    assert "1 commissions credited" in out
    assert "0 commissions credited" in run(days_after=31)  # twice: once
    assert "0 commissions credited" in run(days_after=60)

    commission.refresh_from_db()
    assert commission.status == Commission.Status.AVAILABLE
    entries = Entry.objects.filter(customer=referrer)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.kind == Entry.Kind.REFERRAL
    assert entry.amount == D("12.35")
    assert entry.idempotency_key == f"referral:order:{order.pk}"
    assert commission.entry == entry
    referrer.refresh_from_db()
    assert referrer.balance == D("12.35")
    assert SentEmail.objects.filter(
        event_key=f"referral.commission_available:{commission.pk}"
    ).exists()
    assert any("is available" in message.subject for message in mail.outbox)

    page = client.get("/account/referrals/")
    assert page.context["stats"].earned == D("12.35")
    assert page.context["stats"].pending == D("0.00")

    # The credit is spendable: a withdrawal request holds it.
    withdrawal = withdrawal_request(
        customer_id=referrer.pk,
        amount=D("12.35"),
        payout_details={"method": "paypal", "paypal_email": "ref@example.com"},
    )
    assert withdrawal.amount == D("12.35")


def test_refund_inside_the_window_cancels_the_commission(client, manager_user):
    referrer = CustomerWithLoginFactory()
    referred = CustomerWithLoginFactory()
    visit(client, referrer)
    product = ProductFactory(price=D("50.00"))
    client.force_login(referred.user)
    client.post("/account/cart/add/", {"product": product.pk, "quantity": 1})
    # An existing customer who never paid: attributed just before the first order.
    order = buy(client, referred, product)
    assert Referral.objects.get(referred=referred).referrer == referrer
    mark_paid(client, manager_user, order)
    refund(client, manager_user, order)

    commission = Commission.objects.get(order=order)
    assert commission.status == Commission.Status.CANCELLED
    assert "0 commissions credited" in run(days_after=40)
    assert not Entry.objects.filter(customer=referrer).exists()


def test_refund_after_the_credit_posts_a_reversal_into_debt(client, manager_user):
    rules(commission_percent=D("20.00"))
    referrer = CustomerWithLoginFactory()
    referred = CustomerWithLoginFactory()
    visit(client, referrer)
    product = ProductFactory(price=D("100.00"))
    order = buy(client, referred, product)
    mark_paid(client, manager_user, order)
    run(days_after=31)

    # The referrer spends the credit before the refund.
    from balance.services import balance_debit
    from balance.services.ledger import Author

    balance_debit(
        customer_id=referrer.pk,
        amount=D("15.00"),
        author=Author.staff(manager_user),
        idempotency_key="spent",
    )
    refund(client, manager_user, order)

    commission = Commission.objects.get(order=order)
    assert commission.status == Commission.Status.REVERSED
    reversal = commission.reversal_entry
    assert reversal.kind == Entry.Kind.REVERSAL
    assert reversal.reversal_of_id == commission.entry_id
    assert reversal.amount == D("-20.00")
    referrer.refresh_from_db()
    assert referrer.balance == D("-15.00")
    # A second refund delivery changes nothing.
    from referrals.services import commission_on_order_refunded

    commission_on_order_refunded(order=Order.objects.get(pk=order.pk))
    assert Entry.objects.filter(customer=referrer, kind="reversal").count() == 1


def test_self_referral_refused_same_email_in_another_case_then_own_order(
    client, manager_user
):
    referrer = CustomerWithLoginFactory(email="same@example.com")
    # Logged out, the owner follows their own link and signs up again with the
    # address in capitals: nothing is created, nobody is referred.
    visit(client, referrer)
    client.post("/account/signup/", {**SIGNUP, "email": "SAME@Example.COM"})
    assert Customer.objects.filter(email__iexact="same@example.com").count() == 1
    assert not Referral.objects.exists()
    # Then they log in and place their first order with the cookie still there.
    order = buy(client, referrer, ProductFactory())
    mark_paid(client, manager_user, order)
    assert not Referral.objects.exists()
    assert not Commission.objects.exists()


def test_same_person_check_ignores_the_letter_case():
    from referrals.services.attribution import _same_person

    one = Customer(pk=1, email="Ana@Example.com")
    other = Customer(pk=2, email="ana@example.COM")
    stranger = Customer(pk=3, email="bea@example.com")
    assert _same_person(one, other)
    assert not _same_person(one, stranger)
    assert not _same_person(Customer(pk=4, email=""), Customer(pk=5, email=""))


def test_own_link_sets_no_cookie_and_the_owner_is_never_referred(client):
    referrer = CustomerWithLoginFactory()
    client.force_login(referrer.user)
    response = visit(client, referrer)
    assert response.status_code == 302
    assert COOKIE_NAME not in response.cookies
    from django.core.exceptions import ValidationError

    from referrals.services import code_for, referral_attach

    with pytest.raises(ValidationError):
        referral_attach(referred=referrer, code=code_for(referrer).code, moment="order")
    assert not Referral.objects.exists()


def test_the_first_referrer_wins(client):
    first = CustomerWithLoginFactory()
    second = CustomerWithLoginFactory()
    first_cookie = visit(client, first).cookies[COOKIE_NAME].value
    # The second link keeps the first link's cookie.
    response = visit(client, second)
    assert COOKIE_NAME not in response.cookies
    assert client.cookies[COOKIE_NAME].value == first_cookie
    referred = signup_through_link(client, first)
    assert Referral.objects.get(referred=referred).referrer == first

    # Another browser with the second link's cookie, at the first order: refused.
    other = type(client)()
    visit(other, second)
    referred.user.is_active = True
    referred.user.save()
    order = buy(other, referred, ProductFactory())
    assert Referral.objects.get(referred=referred).referrer == first
    assert order.customer == referred


@pytest.mark.parametrize(
    "code", ["unknown1", "short", "x" * 30, "bad%20code", "AAAAAAAA"]
)
def test_bad_codes_are_a_404_and_set_nothing(client, code):
    CustomerWithLoginFactory()
    response = client.get(f"/r/{code}/")
    assert response.status_code == 404
    assert COOKIE_NAME not in response.cookies
    from referrals.models import ReferralVisit

    assert not ReferralVisit.objects.exists()


def test_a_forged_cookie_attributes_nobody(client):
    referrer = CustomerWithLoginFactory()
    from referrals.services import code_for

    client.cookies[COOKIE_NAME] = code_for(referrer).code  # unsigned
    client.post("/account/signup/", SIGNUP)
    assert Customer.objects.filter(email="nora@example.com").exists()
    assert not Referral.objects.exists()


def test_a_cookie_whose_referrer_may_no_longer_refer_gives_way_to_a_new_link(client):
    from customers.models import Tag

    partners = Tag.objects.create(name="Partners")
    first = CustomerWithLoginFactory()
    second = CustomerWithLoginFactory()
    first.tags.add(partners)
    second.tags.add(partners)
    rules(referrers="tag", referrer_tag=partners)
    visit(client, first)
    # The first referrer leaves the programme: their link attributes nobody now,
    # so it does not stop the next link the visitor follows.
    first.tags.remove(partners)
    response = visit(client, second)
    assert COOKIE_NAME in response.cookies
    referred = signup_through_link(client, second)
    assert Referral.objects.get(referred=referred).referrer == second


def test_an_unknown_code_answers_like_any_unknown_page(client):
    referrer = CustomerWithLoginFactory()
    unknown_page = client.get("/no-such-page/")
    response = client.get("/r/unknown1/")
    assert response.status_code == unknown_page.status_code == 404
    assert [t.name for t in response.templates] == [
        t.name for t in unknown_page.templates
    ]
    # Only what any page sets (the CSRF cookie of the page's forms), not a
    # referral, and the visitor who signs up then is nobody's referral.
    assert set(response.cookies) == set(unknown_page.cookies)
    assert COOKIE_NAME not in client.cookies
    client.post("/account/signup/", SIGNUP)
    assert Customer.objects.filter(email="nora@example.com").exists()
    assert not Referral.objects.filter(referrer=referrer).exists()
