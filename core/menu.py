"""The staff navigation and the customer area's menu as the top bar draws them:
the links a user may see, folded into their drop-downs, with the current page marked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from core import plugins

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass
class MenuLink:
    label: Any
    url: str
    current: bool


@dataclass
class MenuDropdown:
    key: str
    label: Any
    links: list[MenuLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def _is_current(url: str, path: str, home_url: str) -> bool:
    # The home page is every page's prefix: it is current only on itself.
    return path == url or (url != home_url and path.startswith(url))


def menu_build(
    entries: Iterable[plugins.MenuEntry], path: str, home_url: str
) -> list[MenuLink | MenuDropdown]:
    """The ``entries`` as links and drop-downs (by their ``group``), in order."""
    items: list[MenuLink | MenuDropdown] = []
    dropdowns: dict[str, MenuDropdown] = {}
    for entry in entries:
        url = reverse(entry.url_name)
        link = MenuLink(entry.label, url, _is_current(url, path, home_url))
        if entry.group is None:
            items.append(link)
            continue
        dropdown = dropdowns.get(entry.group.key)
        if dropdown is None:
            dropdown = dropdowns[entry.group.key] = MenuDropdown(
                entry.group.key, entry.group.label
            )
            items.append(dropdown)
        dropdown.links.append(link)
    # A drop-down of a single link is just that link.
    return [
        item.links[0]
        if isinstance(item, MenuDropdown) and len(item.links) == 1
        else item
        for item in items
    ]


def staff_menu_build(
    user, path: str, request: HttpRequest | None = None
) -> list[MenuLink | MenuDropdown]:
    """The staff menu for ``user`` on the page at ``path``; given the
    ``request``, an entry's ``shown(request)`` may leave it out too."""
    entries = [
        entry
        for entry in plugins.staff_menu.visible_to(user)
        if request is None or entry.shown is None or entry.shown(request)
    ]
    return menu_build(entries, path, reverse("staff:dashboard"))


def account_menu_build(
    entries: Iterable[plugins.MenuEntry], path: str
) -> list[MenuLink | MenuDropdown]:
    """The customer area's menu of ``entries`` (those shown to this customer)."""
    return menu_build(entries, path, reverse("account:home"))
