"""Helpers shared by the management commands of every app."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.functional import Promise
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
