"""The staff side: the card's tab and "Referred by", the list and its CSV, the
settings; permissions and bounds."""

from __future__ import annotations

import pytest

from referrals.models import (
    ProductCommission,
    Referral,
    ReferralEvent,
    ReferralSettings,
)
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

SETTINGS = {
    "referrers": "everyone",
    "referrer_tag": "",
    "cookie_days": "30",
    "commission_type": "percent",
    "commission_percent": "10",
    "commission_fixed": "0",
    "exclude_balance": "on",
    "scope": "first_order",
    "scope_months": "12",
    "refund_window_days": "30",
}


def test_card_shows_referred_by_and_the_referrals(client, staff_user):
    referrer = CustomerFactory(first_name="Rita", last_name="Ref")
    referred = CustomerFactory(first_name="Bruno", last_name="New")
    refer(referred, referrer)
    client.force_login(staff_user)
    page = client.get(f"/staff/customers/{referred.pk}/referrals/")
    assert page.status_code == 200
    assert "Rita Ref" in page.content.decode()
    assert page.context["can_change"] is False
    card = client.get(f"/staff/customers/{referred.pk}/")
    assert "Referred by" in card.content.decode()
    tab = client.get(f"/staff/customers/{referrer.pk}/referrals/")
    assert [r.referred for r in tab.context["referrals"]] == [referred]


def test_only_a_manager_changes_the_referrer_and_it_is_recorded(
    client, staff_user, manager_user
):
    first, second, referred = CustomerFactory(), CustomerFactory(), CustomerFactory()
    refer(referred, first)
    url = f"/staff/customers/{referred.pk}/referrals/referrer/"
    client.force_login(staff_user)
    assert client.post(url, {"referrer": second.email}).status_code == 403
    assert Referral.objects.get(referred=referred).referrer == first

    client.force_login(manager_user)
    response = client.post(url, {"referrer": second.email.upper()})
    assert response.status_code == 302
    assert Referral.objects.get(referred=referred).referrer == second
    event = ReferralEvent.objects.get(kind="changed")
    assert event.previous_referrer == first
    assert event.referrer == second
    assert event.actor == manager_user

    response = client.post(url, {"referrer": ""})
    assert response.status_code == 302
    assert Referral.objects.get(referred=referred).referrer is None
    assert ReferralEvent.objects.filter(kind="removed", actor=manager_user).exists()


def test_manager_cannot_make_a_customer_their_own_referrer(client, manager_user):
    customer = CustomerFactory()
    client.force_login(manager_user)
    response = client.post(
        f"/staff/customers/{customer.pk}/referrals/referrer/",
        {"referrer": customer.email},
    )
    assert response.status_code == 400
    assert "cannot be referred by themselves" in response.content.decode()
    assert not Referral.objects.exists()
    response = client.post(
        f"/staff/customers/{customer.pk}/referrals/referrer/",
        {"referrer": "nobody@example.com"},
    )
    assert response.status_code == 400
    assert "No customer has this e-mail address" in response.content.decode()


def test_referrers_list_filters_and_exports_safe_csv(client, staff_user):
    referrer = CustomerFactory(first_name="=HYPERLINK(1)", last_name="Evil")
    quiet = CustomerFactory(first_name="Quiet")
    refer(CustomerFactory(), quiet)
    referred = CustomerFactory()
    refer(referred, referrer)
    pay(place(referred, (ProductFactory(price=D("80.00")), 1)))
    client.force_login(staff_user)
    page = client.get("/staff/referrals/")
    assert page.status_code == 200
    rows = {row.pk: row for row in page.context["table"].data}
    assert rows[referrer.pk].referral_revenue == D("80.00")
    assert rows[referrer.pk].commissions_pending == D("8.00")
    assert rows[quiet.pk].referral_signups == 1

    page = client.get("/staff/referrals/", {"pending": "true"})
    assert [row.pk for row in page.context["table"].data] == [referrer.pk]
    page = client.get("/staff/referrals/", {"search": "quiet"})
    assert [row.pk for row in page.context["table"].data] == [quiet.pk]
    assert client.get("/staff/referrals/", {"min_signups": "x"}).status_code == 400

    tab = client.get(f"/staff/customers/{referrer.pk}/referrals/")
    assert tab.status_code == 200
    order = referred.orders.get()
    assert f'href="/staff/orders/{order.pk}/"' in tab.content.decode()

    csv = b"".join(client.get("/staff/referrals.csv").streaming_content).decode()
    assert "'=HYPERLINK(1) Evil" in csv
    assert "80.00" in csv


def test_the_list_needs_the_permission(client, django_user_model):
    from tests.core.factories import StaffFactory

    client.force_login(StaffFactory(groups=[]))
    assert client.get("/staff/referrals/").status_code == 403
    assert client.get("/staff/settings/referrals/").status_code == 403


def test_settings_save_and_staff_may_not(client, staff_user, manager_user):
    client.force_login(staff_user)
    assert client.post("/staff/settings/referrals/", SETTINGS).status_code == 403
    client.force_login(manager_user)
    response = client.post(
        "/staff/settings/referrals/",
        {**SETTINGS, "commission_percent": "12,5", "cookie_days": "60"},
    )
    assert response.status_code == 302
    row = ReferralSettings.load()
    assert row.commission_percent == D("12.50")
    assert row.cookie_days == 60


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("commission_percent", "100.01", "between 0 and 100"),
        ("commission_percent", "-1", "between 0 and 100"),
        ("commission_fixed", "-0.01", "cannot be negative"),
        ("cookie_days", "0", "greater than or equal to 1"),
        ("cookie_days", "366", "less than or equal to 365"),
        ("refund_window_days", "-1", "greater than or equal to 0"),
        ("scope_months", "0", "greater than or equal to 1"),
        ("commission_percent", "abc", "amount"),
    ],
)
def test_settings_bounds_are_refused_and_nothing_changes(
    client, manager_user, field, value, message
):
    client.force_login(manager_user)
    response = client.post("/staff/settings/referrals/", {**SETTINGS, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    row = ReferralSettings.load()
    assert row.commission_percent == D("10.00")
    assert row.cookie_days == 30


def test_tag_mode_needs_a_tag(client, manager_user):
    client.force_login(manager_user)
    response = client.post(
        "/staff/settings/referrals/", {**SETTINGS, "referrers": "tag"}
    )
    assert response.status_code == 400
    assert "Choose the tag" in response.content.decode()
    assert ReferralSettings.load().referrers == "everyone"


def test_product_commission_bounds(client, manager_user):
    product = ProductFactory()
    client.force_login(manager_user)
    url = "/staff/settings/referrals/products/"
    bad = {"product": product.pk, "commission_type": "percent", "value": "150"}
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "between 0 and 100" in response.content.decode()
    assert not ProductCommission.objects.exists()
    good = {"product": product.pk, "commission_type": "fixed", "value": "150"}
    assert client.post(url, good).status_code == 302
    rate = ProductCommission.objects.get()
    assert rate.value == D("150.00")
    client.post(f"/staff/settings/referrals/products/{rate.pk}/remove/")
    assert not ProductCommission.objects.exists()


def test_the_list_query_count_does_not_grow_with_the_rows(
    client, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    for _ in range(3):
        refer(CustomerFactory(), CustomerFactory())
    client.get("/staff/referrals/")  # settle the per-session queries
    with django_assert_max_num_queries(12) as few:
        client.get("/staff/referrals/")
    for _ in range(6):
        refer(CustomerFactory(), CustomerFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/staff/referrals/")


def test_the_admin_shows_referrals_and_commissions_read_only(client, django_user_model):
    from tests.core.factories import StaffFactory

    admin = StaffFactory(is_superuser=True)
    referrer, referred = CustomerFactory(), CustomerFactory()
    referral = refer(referred, referrer)
    pay(place(referred, (ProductFactory(price=D("10.00")), 1)))
    client.force_login(admin)
    for url in [
        "/admin/referrals/referral/",
        "/admin/referrals/commission/",
        "/admin/referrals/referralevent/",
        "/admin/referrals/referralcode/",
        f"/admin/referrals/referral/{referral.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/referrals/referral/add/").status_code == 403
    response = client.post(
        f"/admin/referrals/referral/{referral.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Referral.objects.filter(pk=referral.pk).exists()
