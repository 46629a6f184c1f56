"""``manage.py funnel_import PATH [--activate]``: a funnel from its JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.services import funnel_import
from core.commands import TranslatedCommand, terminal_safe

MAX_BYTES = 1_000_000


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]
        "Creates and publishes a funnel from a JSON file (see docs/automation.md); "
        "a bad file is refused with every problem and nothing is saved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=gettext_lazy("The JSON file."))  # type: ignore[arg-type]
        parser.add_argument(
            "--activate",
            action="store_true",
            help=gettext_lazy("Start enrolling at once."),  # type: ignore[arg-type]
        )

    def handle(self, *, path: str, activate: bool, **options) -> None:
        file = Path(path)
        try:
            if file.stat().st_size > MAX_BYTES:
                raise CommandError(_("The file is larger than 1 MB."))
            document = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s")
                % {"path": terminal_safe(path), "error": error.strerror}
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(
                _("%(path)s is not JSON: %(error)s")
                % {"path": terminal_safe(path), "error": error}
            ) from None
        try:
            funnel = funnel_import(document=document, activate=activate)
        except ValidationError as error:
            raise CommandError(
                "\n".join(terminal_safe(message) for message in error.messages)
            ) from None
        self.stdout.write(
            _("Funnel %(id)d “%(name)s” imported (%(status)s).")
            % {
                "id": funnel.pk,
                "name": terminal_safe(funnel.name),
                "status": funnel.get_status_display(),
            }
        )
