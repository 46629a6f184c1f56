"""Helpers shared by the management commands of every app."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _


def business_date_argument(text: str | None) -> date:
    """A ``--today YYYY-MM-DD`` argument, or today in ``TIME_ZONE`` when not given.

    A value that is not a date is a ``CommandError`` (a clear message, exit code 1).
    """
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("“%(text)s” is not a date: use YYYY-MM-DD, e.g. 2026-11-25.")
            % {"text": text}
        ) from None
