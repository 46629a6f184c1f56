"""Helpers shared by the management commands of every app."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.input import business_date_check

# Control characters but newline, tab and the "\r" of a "\r\n" line end.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def terminal_safe(text: object) -> str:
    """``text`` as a command prints it: a control character that a terminal would
    run (ESC of "\\x1b[2J", a bell, C1 codes) is shown as "\\x1b" instead.

    Every command that prints what a person typed (names, notes, e-mails, CSV
    cells) writes it through this; texts typed today lose their control characters
    in the forms, but rows stored before keep them.
    """
    return _UNSAFE.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


def business_date_argument(text: str | None) -> date:
    """A ``--today YYYY-MM-DD`` argument, or today in ``TIME_ZONE`` when not given.

    A value that is not a date is a ``CommandError`` (a clear message, exit code 1).
    """
    if not text:
        return timezone.localdate()
    try:
        return business_date_check(date.fromisoformat(text))
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    except ValueError:
        raise CommandError(
            _("“%(text)s” is not a date: use YYYY-MM-DD, e.g. 2026-11-25.")
            % {"text": text}
        ) from None
