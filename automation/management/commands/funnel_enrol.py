"""``manage.py funnel_enrol ID --email E | --all``: manual enrolment."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.models import Funnel
from automation.services import funnel_enrol, funnel_enrol_customer
from core.commands import TranslatedCommand, terminal_safe
from customers.models import Customer


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]
        "Enrols one customer (--email) or every customer (--all) in a funnel; "
        "nobody is enrolled twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "funnel_id",
            type=int,
            help=gettext_lazy("The funnel's number."),  # type: ignore[arg-type]
        )
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help=gettext_lazy("The customer's e-mail."))  # type: ignore[arg-type]
        who.add_argument(
            "--all",
            action="store_true",
            help=gettext_lazy("Every customer."),  # type: ignore[arg-type]
        )

    def handle(self, *, funnel_id: int, email: str | None, all: bool, **options):
        funnel = Funnel.objects.filter(pk=funnel_id).first()
        if funnel is None:
            raise CommandError(_("There is no funnel %(id)d.") % {"id": funnel_id})
        try:
            if email:
                customer = Customer.objects.filter(email__iexact=email).first()
                if customer is None:
                    raise CommandError(
                        _("No customer has the e-mail %(email)s.")
                        % {"email": terminal_safe(email)}
                    )
                funnel_enrol_customer(funnel=funnel, customer=customer)
                count = 1
            else:
                count = funnel_enrol(
                    funnel,
                    Customer.objects.all(),
                    progress=lambda done, total: self.stderr.write(
                        _("%(done)d enrolled so far, of %(total)d…")
                        % {"done": done, "total": total}
                    ),
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _("%(count)d enrolled in “%(name)s”.")
            % {"count": count, "name": terminal_safe(funnel.name)}
        )
