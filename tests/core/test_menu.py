"""The staff menu's drop-downs: related links folded under one label, a lone link
shown as itself, the current page marked on its link and its drop-down."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core import plugins
from core.menu import MenuDropdown, MenuLink, staff_menu_build
from tests.core.factories import StaffFactory

pytestmark = pytest.mark.django_db


def labels(items):
    return [
        (str(item.label), [str(link.label) for link in item.links])
        if isinstance(item, MenuDropdown)
        else str(item.label)
        for item in items
    ]


def test_a_manager_sees_the_related_links_folded(manager_user):
    items = labels(staff_menu_build(manager_user, "/staff/"))

    assert ("Sales", ["Orders", "Products"]) in items
    assert ("Credits", ["Withdrawals", "Periodic gifts"]) in items
    assert items[0] == "Dashboard"
    assert "Orders" not in items  # not also at the top level


def test_a_group_with_one_visible_link_is_that_link():
    user = StaffFactory(groups=[])
    user.user_permissions.add(Permission.objects.get(codename="view_order"))

    items = staff_menu_build(user, "/staff/")

    orders = [item for item in items if str(item.label) == "Orders"]
    assert len(orders) == 1
    assert isinstance(orders[0], MenuLink)
    assert "Sales" not in labels(items)


def test_the_current_page_marks_its_link_and_its_dropdown(manager_user):
    path = reverse("balance:gifts")
    items = staff_menu_build(manager_user, path)

    credits = next(
        item
        for item in items
        if isinstance(item, MenuDropdown) and item.key == "credits"
    )
    assert credits.current
    assert [link.current for link in credits.links] == [False, True]
    sales = next(
        item for item in items if isinstance(item, MenuDropdown) and item.key == "sales"
    )
    assert not sales.current
    dashboard = items[0]
    assert not dashboard.current  # every staff page starts with /staff/
    assert staff_menu_build(manager_user, "/staff/")[0].current


def test_the_top_bar_draws_dropdowns_that_work_without_javascript(client, manager_user):
    client.force_login(manager_user)

    html = client.get(reverse("balance:withdrawals")).content.decode()

    assert '<details class="nav-dropdown" data-nav-dropdown>' in html
    assert '<summary class="current">Credits</summary>' in html
    assert f'<a href="{reverse("balance:withdrawals")}" aria-current="page">' in html
    assert f'href="{reverse("selling:staff_products")}"' in html


def test_apps_share_the_groups_named_in_core_plugins():
    grouped = {entry.key: entry.group for entry in plugins.staff_menu if entry.group}

    assert grouped["selling.orders"] is plugins.STAFF_MENU_SALES
    assert grouped["balance.gifts"] is plugins.STAFF_MENU_CREDITS


def test_the_funnel_pages_share_the_marketing_dropdown(manager_user):
    items = labels(staff_menu_build(manager_user, "/staff/"))

    assert ("Marketing", ["Funnels", "Needs attention", "Referrals"]) in items


def test_the_customer_area_folds_the_profile_pages_and_marks_the_current_one(
    customer_client,
):
    response = customer_client.get(reverse("account:addresses"))

    nav = response.context["account_nav"]
    items = labels(nav)
    assert items[0] == "Home"
    assert ("My profile", ["Profile", "Addresses", "Newsletters", "Password"]) in items
    profile = next(item for item in nav if isinstance(item, MenuDropdown))
    assert profile.current
    assert [link.current for link in profile.links] == [False, True, False, False]
    home = nav[0]
    assert isinstance(home, MenuLink) and not home.current
    assert b"data-nav-dropdown" in response.content
