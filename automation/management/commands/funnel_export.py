"""``manage.py funnel_export ID``: a funnel's JSON document on standard output."""

from __future__ import annotations

import json

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.models import Funnel
from automation.services import funnel_export
from core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]
        "Prints a funnel as JSON (its published version, else its draft); "
        "funnel_import reads it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "funnel_id",
            type=int,
            help=gettext_lazy("The funnel's number."),  # type: ignore[arg-type]
        )

    def handle(self, *, funnel_id: int, **options) -> None:
        funnel = Funnel.objects.filter(pk=funnel_id).first()
        if funnel is None:
            raise CommandError(_("There is no funnel %(id)d.") % {"id": funnel_id})
        self.stdout.write(
            json.dumps(funnel_export(funnel), indent=2, ensure_ascii=False)
        )
