"""The staff navigation as the top bar draws it: the links a user may see, folded
into their drop-downs, with the current page marked."""

from __future__ import annotations

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


def _is_current(url: str, path: str) -> bool:
    # The dashboard is every staff page's prefix: it is current only on itself.
    return path == url or (url != reverse("staff:dashboard") and path.startswith(url))


def staff_menu_build(
    user, path: str, request: HttpRequest | None = None
) -> list[MenuLink | MenuDropdown]:
    """The staff menu for ``user`` on the page at ``path``; given the
    ``request``, an entry's ``shown(request)`` may leave it out too."""
    items: list[MenuLink | MenuDropdown] = []
    dropdowns: dict[str, MenuDropdown] = {}
    for entry in plugins.staff_menu.visible_to(user):
        if request is not None and entry.shown is not None and not entry.shown(request):
            continue
        url = reverse(entry.url_name)
        link = MenuLink(entry.label, url, _is_current(url, path))
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
