"""Helpers shared by the management commands of every app."""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.functional import Promise
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


class TranslatedCommand(BaseCommand):
    """A command whose help texts may be lazy translations (``gettext_lazy``).

    argparse wants ``str``: a lazy ``help`` (the description) or a lazy argument
    help makes ``--help`` crash with "expected string or bytes-like object". The
    parser built here gets every text translated, in the language active when
    ``--help`` is shown.
    """

    def create_parser(
        self, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        if isinstance(self.help, Promise):
            self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _help_texts_translate(parser)
        return parser


def _help_texts_translate(parser: argparse.ArgumentParser) -> None:
    if isinstance(parser.description, Promise):
        parser.description = str(parser.description)
    for action in parser._actions:
        if isinstance(action.help, Promise):
            action.help = str(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if isinstance(choice.help, Promise):
                    choice.help = str(choice.help)
            for subparser in action.choices.values():
                _help_texts_translate(subparser)
