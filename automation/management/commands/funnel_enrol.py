"""``manage.py funnel_enrol ID --email E | --all | --all-matching FILTERS``:
manual enrolment (``FILTERS`` are the customer list's, as its query string)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.models import Funnel
from automation.services import funnel_enrol, funnel_enrol_customer
from core import plugins
from core.commands import TranslatedCommand, terminal_safe
from customers.models import Customer


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]
        "Enrols one customer (--email), every customer (--all) or those the "
        "customer list's filters select (--all-matching) in a funnel; nobody is "
        "enrolled twice."
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
        who.add_argument(
            "--all-matching",
            metavar="FILTERS",
            help=gettext_lazy(  # type: ignore[arg-type]
                "The customers the customer list shows for these filters, written "
                'as its query string, e.g. "tag=3&language=es".'
            ),
        )

    def handle(
        self,
        *,
        funnel_id: int,
        email: str | None,
        all: bool,
        all_matching: str | None,
        **options,
    ):
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
                customers = (
                    Customer.objects.all()
                    if all_matching is None
                    else self.matching(all_matching)
                )
                count = funnel_enrol(
                    funnel,
                    customers,
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

    def matching(self, query_string: str):
        """The customers the list's filters select (customers resolves them)."""
        query = plugins.only_entry(plugins.customer_list_queries)
        if query is None:
            raise CommandError(_("The customer list's filters are not available."))
        try:
            return query.customers(query_string)
        except ValidationError as error:
            raise CommandError(
                _("The filters are not valid: %(errors)s")
                % {"errors": terminal_safe(" ".join(error.messages))}
            ) from None
