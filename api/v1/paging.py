"""Cursor paging: an opaque cursor holds the last id seen; the order is by id."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = text.partition(":")
        last_id = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last_id = 0
        kind = ""
    if kind != "id" or last_id <= 0 or len(cursor) > 40:
        raise ApiError(
            400,
            "cursor_invalid",
            _("This cursor is not valid: pass the next_cursor of the previous page."),
        )
    return last_id


def page(
    queryset: QuerySet,
    *,
    cursor: str | None,
    limit: int,
    serialize: Callable[[Any], dict],
    newest_first: bool = False,
) -> dict[str, Any]:
    """One page of ``queryset`` in id order (descending if ``newest_first``), and
    the cursor of the next page (``None`` on the last)."""
    if cursor:
        last_id = cursor_decode(cursor)
        queryset = queryset.filter(
            **({"id__lt": last_id} if newest_first else {"id__gt": last_id})
        )
    rows = list(queryset.order_by("-id" if newest_first else "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "data": [serialize(row) for row in rows],
        "next_cursor": cursor_encode(rows[-1].id) if more else None,
    }
