"""The staff lists' filter layout: common filters shown, the rest folded."""

import pytest
from django.http import QueryDict

from core.filters import filter_groups
from customers.filters import CustomerFilterSet
from customers.models import Customer
from selling.filters import ProductFilterSet
from selling.models import Product
from tests.core.factories import StaffFactory

pytestmark = pytest.mark.django_db


def groups_for(query: str, user=None):
    filterset = CustomerFilterSet(
        QueryDict(query), queryset=Customer.objects.all(), user=user
    )
    return filter_groups(filterset)


def names(bound_fields) -> list[str]:
    return [bound.name for bound in bound_fields]


def test_filter_groups_fold_all_but_the_common_filters():
    groups = groups_for("")
    assert names(groups.shown) == ["q", "city", "newsletter_list", "tag"]
    assert "region" in names(groups.folded)
    assert "registered_to" in names(groups.folded)
    assert groups.folded_in_use == 0
    assert not groups.open


def test_filter_groups_fold_the_filters_other_apps_add():
    groups = groups_for("", user=StaffFactory(groups=["Manager"]))
    assert {"balance_gt", "balance_lt"} <= set(names(groups.folded))
    assert "balance_lt" not in names(groups.shown)


def test_filter_groups_open_when_a_folded_filter_is_in_use():
    groups = groups_for("q=ann&region=Lazio&language=it&postal_code=++")
    assert groups.folded_in_use == 2  # region and language; blanks do not count
    assert groups.open


def test_filter_groups_stay_folded_for_a_shown_filter_only():
    groups = groups_for("q=ann&tag=")
    assert groups.folded_in_use == 0
    assert not groups.open


def test_filter_groups_open_on_an_error_in_a_folded_filter():
    groups = groups_for("registered_from=not-a-date")
    assert groups.folded_invalid
    assert groups.open


def test_filter_groups_show_everything_without_primary_filters():
    filterset = ProductFilterSet(QueryDict(""), queryset=Product.objects.all())
    groups = filter_groups(filterset)
    assert names(groups.shown) == names(filterset.form.visible_fields())
    assert groups.folded == []
    assert not groups.open


def test_customer_list_shows_more_filters_folded_then_open_in_use(staff_client):
    page = staff_client.get("/staff/customers/").content.decode()
    assert '<details class="filters-more"' in page
    assert "data-in-use" not in page
    page = staff_client.get("/staff/customers/?region=Lazio").content.decode()
    assert " open data-in-use" in page
    assert "1 in use" in page
