"""The staff customer list in a real browser: filters, the card, a bulk action."""

import pytest

from customers.models import CustomerEvent, Tag
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user):
    page.goto("/staff/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_filter_by_city_and_tag_then_open_the_card(page):
    staff = StaffFactory(groups=["Staff"])
    vip = Tag.objects.create(name="VIP", colour="#c01c28")
    giulia = CustomerFactory(first_name="Giulia", last_name="Bianchi", city="Roma")
    giulia.tags.add(vip)
    CustomerFactory(first_name="Marco", last_name="Rossi", city="Roma")
    milan = CustomerFactory(first_name="Sara", last_name="Verdi", city="Milano")
    milan.tags.add(vip)
    log_in(page, staff)

    page.goto("/staff/customers/")
    filters = page.get_by_role("search", name="Filters")
    filters.get_by_label("City").fill("roma")
    filters.get_by_label("Tag").select_option(label="VIP")
    filters.get_by_role("button", name="Filter").click()

    page.wait_for_url(f"**/staff/customers/?*tag={vip.pk}*")
    assert "city=roma" in page.url
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_text("VIP").is_visible()
    assert page.get_by_text("The 1 customer matching the filters").is_visible()

    page.get_by_role("link", name="Giulia Bianchi").click()
    page.get_by_role("heading", name="Giulia Bianchi").wait_for()
    assert page.url.endswith(f"/staff/customers/{giulia.pk}/")
    page.get_by_role("link", name="Marketing").click()
    page.get_by_role("heading", name="Internal tags").wait_for()
    assert page.locator(".tag-list").get_by_text("VIP").is_visible()


def test_bulk_add_a_tag_to_two_ticked_customers(page):
    staff = StaffFactory(groups=["Staff"])
    hot = Tag.objects.create(name="Hot lead")
    first = CustomerFactory(first_name="Anna", last_name="Neri")
    second = CustomerFactory(first_name="Luca", last_name="Gialli")
    untouched = CustomerFactory(first_name="Paolo", last_name="Blu")
    log_in(page, staff)

    page.goto("/staff/customers/")
    page.get_by_role("checkbox", name="Anna Neri").check()
    page.get_by_role("checkbox", name="Luca Gialli").check()
    bulk = page.locator("#customer-bulk")
    bulk.get_by_label("Action").select_option("add_tag")
    bulk.get_by_label("Tag").select_option(label="Hot lead")
    bulk.get_by_role("button", name="Apply").click()

    page.get_by_text("Tag “Hot lead” added to 2 customers.").wait_for()
    assert set(hot.customers.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert untouched.pk not in set(hot.customers.values_list("pk", flat=True))
    assert CustomerEvent.objects.filter(kind="tag_added", actor=staff).count() == 2
    badges = page.locator("table.table tbody").get_by_text("Hot lead")
    assert badges.count() == 2


def test_select_all_on_the_page_ticks_every_row(page):
    staff = StaffFactory(groups=["Staff"])
    for index in range(3):
        CustomerFactory(last_name=f"Row{index}")
    log_in(page, staff)

    page.goto("/staff/customers/")
    page.get_by_role("checkbox", name="Select all on this page").check()

    boxes = page.locator('input[name="selected"]')
    assert boxes.count() == 3
    assert all(boxes.nth(index).is_checked() for index in range(3))
