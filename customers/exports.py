"""Customers as CSV: one place builds the rows, for the staff list and the shell.

Rows are produced one by one from ``queryset.iterator(chunk_size=...)`` (tags are
prefetched per chunk), so a million customers never sit in memory. Cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are neutralised with a leading single quote.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv_cells import csv_cell_safe
from customers.models import Customer, Tag

if TYPE_CHECKING:
    from core.models import User

CHUNK_SIZE = 2000
# Rows per piece of output: a streamed response sends pieces, not single rows.
ROWS_PER_PIECE = 200
BOM = "\ufeff"


def _date(value) -> str:
    return value.isoformat() if value else ""


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_columns() -> list[tuple[str, Callable[[Customer], Any]]]:
    """(header, value) per column, with headers in the active language."""
    yes, no = _("yes"), _("no")

    def flag(value) -> str:
        return yes if value else no

    return [
        (_("ID"), lambda c: c.pk),
        (_("First name"), lambda c: c.first_name),
        (_("Last name"), lambda c: c.last_name),
        (_("E-mail"), lambda c: c.email),
        (_("Phone"), lambda c: c.phone),
        (_("Mobile"), lambda c: c.mobile),
        (_("Birth date"), lambda c: _date(c.birth_date)),
        (_("Sex"), lambda c: c.sex),
        (_("Address"), lambda c: c.address),
        (_("Postal code"), lambda c: c.postal_code),
        (_("City"), lambda c: c.city),
        (_("Region"), lambda c: c.region),
        (_("Country"), lambda c: c.country),
        (_("Language"), lambda c: c.language),
        (_("Company name"), lambda c: c.company_name),
        (_("VAT number"), lambda c: c.vat_number),
        (_("Fiscal code"), lambda c: c.fiscal_code),
        (
            _("Login enabled"),
            lambda c: flag(c.user_id and cast("User", c.user).is_active),
        ),
        (_("E-mail confirmed"), lambda c: flag(c.email_confirmed_at)),
        (_("Newsletter"), lambda c: flag(c.newsletter_subscribed)),
        (
            _("Tags"),
            # export_tags: prefetched with to_attr (export_queryset).
            lambda c: ", ".join(tag.name for tag in c.export_tags),  # type: ignore[attr-defined]
        ),
        (_("Registered"), lambda c: _moment(c.created_at)),
    ]


EXPORT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "birth_date",
    "sex",
    "address",
    "postal_code",
    "city",
    "region",
    "country",
    "language",
    "company_name",
    "vat_number",
    "fiscal_code",
    "email_confirmed_at",
    "newsletter_subscribed",
    "created_at",
    "user__is_active",
)


def export_queryset() -> QuerySet[Customer]:
    """What an export reads: its columns only, logins joined, tags prefetched (per
    chunk of the iterator, into ``export_tags``)."""
    return (
        Customer.objects.select_related("user")
        .only(*EXPORT_FIELDS)
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("name"), to_attr="export_tags")
        )
    )


class _Echo:
    """A file-like object whose ``write`` returns what it was given."""

    def write(self, value: str) -> str:
        return value


def csv_pieces(
    queryset: QuerySet[Customer],
    *,
    bom: bool = True,
    progress: Callable[[int, bool], None] | None = None,
) -> Iterator[str]:
    """The CSV text in pieces: header (after a BOM, for Excel), then the rows.

    Headers are translated now, in the caller's language; the rows are read lazily.
    ``progress(rows_so_far, done)`` is called after every chunk and at the end.
    """
    columns = export_columns()
    writer = csv.writer(_Echo())
    header = (BOM if bom else "") + writer.writerow(
        [csv_cell_safe(title) for title, _value in columns]
    )
    values = [value for _title, value in columns]

    def pieces() -> Iterator[str]:
        yield header
        lines: list[str] = []
        count = 0
        for customer in queryset.iterator(chunk_size=CHUNK_SIZE):
            lines.append(
                writer.writerow([csv_cell_safe(value(customer)) for value in values])
            )
            count += 1
            if len(lines) >= ROWS_PER_PIECE:
                yield "".join(lines)
                lines = []
            if progress is not None and count % CHUNK_SIZE == 0:
                progress(count, False)
        if lines:
            yield "".join(lines)
        if progress is not None:
            progress(count, True)

    return pieces()


def export_filename() -> str:
    return f"customers-{timezone.localdate().isoformat()}.csv"
