"""Every paged list, staff and customer area, with a page number nobody has.

Page 9223372036854775807 used to reach PostgreSQL as an OFFSET beyond its bigint
("bigint out of range", a 500). Now: a list that counts its pages shows the last
one, a lazily paged list shows its last page or says there is no such page.
"""

import pytest
from django.urls import reverse

from tests.balance.support import credit
from tests.core.factories import StaffFactory

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775807"
HUGER = "99999999999999999999999"


@pytest.fixture
def boss_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def _staff_lists(customer) -> list[str]:
    return [
        reverse("customers:list"),
        reverse("balance:tab", args=[customer.pk]),
        reverse("balance:withdrawals"),
        reverse("selling:staff_products"),
        reverse("selling:staff_orders"),
        reverse("selling:staff_customer_orders", args=[customer.pk]),
        reverse("staff:emails"),
    ]


@pytest.mark.parametrize("page", [HUGE, HUGER, "1e400", "٣"])
def test_every_staff_list_refuses_a_page_nobody_has(boss_client, customer, page):
    for url in _staff_lists(customer):
        response = boss_client.get(url, {"page": page})
        assert response.status_code in (200, 404), url
        if response.status_code == 404:
            assert "Page not found" in response.content.decode(), url
        elif "page_obj" in (response.context or {}):
            assert response.context["page_obj"].number == 1, url


@pytest.mark.parametrize("page", [HUGE, HUGER])
def test_every_customer_area_list_shows_its_last_page(customer_client, customer, page):
    credit(customer, "1.00", note="only")
    for name in ("balance:account_credits", "selling:account_orders"):
        response = customer_client.get(reverse(name), {"page": page})
        assert response.status_code == 200, name
        assert response.context["page_obj"].number == 1, name
        assert not response.context["page_obj"].has_next(), name
    response = customer_client.get(reverse("balance:account_credits"), {"page": HUGE})
    assert [entry.note for entry in response.context["entries"]] == ["only"]


def test_staff_table_past_the_last_page_is_a_404_with_a_message(boss_client):
    response = boss_client.get(reverse("customers:list"), {"page": HUGE})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_balance_history_past_the_end_shows_the_last_page(boss_client, customer):
    for number in range(60):  # two pages of 50
        credit(customer, "1.00", note=f"n{number}")
    url = reverse("balance:tab", args=[customer.pk])
    response = boss_client.get(url, {"page": HUGE})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
