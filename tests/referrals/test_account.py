"""The customer area's Referrals page and who may refer."""

from __future__ import annotations

import pytest

from customers.models import Tag
from referrals.models import ReferralCode
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory
from tests.referrals.support import COOKIE_NAME, D, pay, place, refer, rules, visit
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_link_and_only_own_figures(customer_client, customer):
    other = CustomerFactory()
    refer(CustomerFactory(), other)
    mine = CustomerFactory()
    refer(mine, customer)
    pay(place(mine, (ProductFactory(price=D("40.00")), 1)))
    page = customer_client.get("/account/referrals/")
    assert page.status_code == 200
    code = ReferralCode.objects.get(customer=customer).code
    assert 8 <= len(code) <= 10
    assert f"http://testserver/r/{code}/" in page.content.decode()
    assert "readonly" in page.content.decode()
    assert "data-copy-target" in page.content.decode()
    stats = page.context["stats"]
    assert (stats.signups, stats.paying, stats.pending) == (1, 1, D("4.00"))
    assert "Referrals" in customer_client.get("/account/").content.decode()


def test_codes_are_unique_and_random():
    from referrals.services import code_for

    codes = {code_for(CustomerFactory()).code for _ in range(20)}
    assert len(codes) == 20


def test_with_a_tag_only_tagged_customers_refer(client):
    tag = Tag.objects.create(name="Affiliates")
    rules(referrers="tag", referrer_tag=tag)
    tagged = CustomerWithLoginFactory()
    tagged.tags.add(tag)
    plain = CustomerWithLoginFactory()
    from referrals.services import code_for

    plain_code = code_for(plain).code
    client.force_login(plain.user)
    assert client.get("/account/referrals/").status_code == 404
    assert "/account/referrals/" not in client.get("/account/").content.decode()
    client.logout()
    # A link of a customer who may not refer is like an unknown page.
    response = client.get(f"/r/{plain_code}/")
    assert response.status_code == 404
    assert COOKIE_NAME not in response.cookies
    assert visit(client, tagged).status_code == 302
    client.force_login(tagged.user)
    assert client.get("/account/referrals/").status_code == 200


def test_staff_and_anonymous_do_not_see_a_customer_page(client, staff_user):
    assert client.get("/account/referrals/").status_code == 302
    client.force_login(staff_user)
    assert client.get("/account/referrals/").status_code == 404
