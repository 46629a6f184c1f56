"""The registry every plug-in point is: an ordered set of entries by key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    pass


T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered set of entries, each with a unique ``key``."""

    def __init__(self, name: str):
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        key = entry.key  # type: ignore[attr-defined]
        existing = self._entries.get(key)
        if existing is not None and existing != entry:
            raise ImproperlyConfigured(
                f"{self.name}: the key {key!r} is registered twice."
            )
        self._entries[key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(
            sorted(self._entries.values(), key=lambda e: (e.order, e.key))  # type: ignore[attr-defined]
        )

    def __len__(self) -> int:
        return len(self._entries)

    def visible_to(self, user) -> list[T]:
        """The entries whose permission (if any; a tuple: all of them) the user has."""
        return [entry for entry in self if _permitted(user, entry)]


def _permitted(user, entry) -> bool:
    permission = getattr(entry, "permission", None)
    if not permission:
        return True
    if isinstance(permission, str):
        return user.has_perm(permission)
    return user.has_perms(permission)


def only_entry(registry: Registry[T]) -> T | None:
    """The entry of a registry that holds one at most (a hook such as
    ``customer_list_queries``), or ``None`` when its app is not installed."""
    return next(iter(registry), None)
