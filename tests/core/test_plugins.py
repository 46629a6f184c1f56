import pytest
from django.core.exceptions import ImproperlyConfigured

from core import plugins


def make_registry():
    registry = plugins.Registry("test")
    registry.register(plugins.MenuEntry("b", "B", "staff:dashboard", order=20))
    registry.register(plugins.MenuEntry("a", "A", "staff:dashboard", order=10))
    registry.register(
        plugins.MenuEntry("c", "C", "staff:emails", permission="core.view_sentemail")
    )
    return registry


def test_registry_iterates_by_order_then_key():
    assert [entry.key for entry in make_registry()] == ["a", "b", "c"]


def test_registry_refuses_a_different_entry_under_the_same_key():
    registry = make_registry()
    with pytest.raises(ImproperlyConfigured):
        registry.register(plugins.MenuEntry("a", "Other", "staff:dashboard"))


def test_registry_accepts_the_same_entry_twice():
    registry = make_registry()
    registry.register(plugins.MenuEntry("a", "A", "staff:dashboard", order=10))
    assert len(registry) == 3


def test_registry_visible_to_filters_by_permission(db, staff_user, manager_user):
    registry = make_registry()
    assert [e.key for e in registry.visible_to(staff_user)] == ["a", "b"]
    assert [e.key for e in registry.visible_to(manager_user)] == ["a", "b", "c"]


def test_registry_visible_to_needs_every_permission_of_a_tuple(db, staff_user):
    registry = plugins.Registry("test")
    registry.register(
        plugins.MenuEntry(
            "both",
            "B",
            "staff:emails",
            permission=("balance.view_entry",),  # type: ignore[arg-type]
        )
    )
    registry.register(
        plugins.MenuEntry(
            "more",
            "M",
            "staff:emails",
            permission=("balance.view_entry", "core.view_sentemail"),  # type: ignore[arg-type]
        )
    )
    assert [e.key for e in registry.visible_to(staff_user)] == ["both"]


def test_installed_apps_fill_the_registries():
    assert "dashboard" in plugins.staff_menu
    assert "customers" in plugins.staff_menu
    assert "personal" in plugins.customer_tabs
    assert "home" in plugins.account_menu


def test_every_registry_is_listed_in_all_registries():
    registries = {
        id(value)
        for value in vars(plugins).values()
        if isinstance(value, plugins.Registry)
    }
    assert registries == {id(registry) for registry in plugins.ALL_REGISTRIES}
    for registry in (
        plugins.customer_bulk_actions,
        plugins.customer_list_queries,
        plugins.customer_card_pages,
    ):
        assert registry in plugins.ALL_REGISTRIES
