"""The writes of one batch of an import: new customers inserted, existing ones
updated, and their events, in one transaction with the job's counters."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Field
from django.db.models.functions import Lower
from django.utils import timezone

from customers import importing
from customers.models import Customer, CustomerEvent, ImportJob, ImportRowError
from customers.search import SEARCH_TEXT_SOURCES, customer_search_text

IMPORT_SOURCE = "import"


class ImportInterrupted(Exception):
    """Another run of the same job went further: this one stops."""


def customers_by_email(emails: list[str], fields: list[str]) -> dict[str, Customer]:
    """Existing customers whose e-mail (any case) is among ``emails`` (lower-case)."""
    if not emails:
        return {}
    found = (
        Customer.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .only("email", *fields)
    )
    return {customer.email_lower: customer for customer in found}


@transaction.atomic(durable=True)
def batch_write(
    job: ImportJob, batch: list[importing.RowResult], *, start: int, end: int
) -> None:
    """Writes one batch and the job's progress, all or nothing."""
    locked = (
        ImportJob.objects.select_for_update()
        .only("status", "processed_rows")
        .get(pk=job.pk)
    )
    if locked.status != ImportJob.Status.RUNNING or locked.processed_rows != start:
        raise ImportInterrupted
    fields = [name for name in job.mapping.values() if name != "email"]
    # A changed name or phone changes the customer's search_text, built from all
    # its sources: those are loaded too.
    search_sources_change = not set(fields).isdisjoint(SEARCH_TEXT_SOURCES)
    loaded = [*fields, *SEARCH_TEXT_SOURCES] if search_sources_change else fields
    good = [row for row in batch if row.ok]
    existing = customers_by_email([row.email for row in good], loaded)
    new: list[importing.RowResult] = []
    changed: list[tuple[importing.RowResult, Customer]] = []
    skipped = 0
    for row in good:
        customer = existing.get(row.email)
        if customer is None:
            new.append(row)
        elif job.update_existing and _apply(customer, row.values):
            changed.append((row, customer))
        else:
            skipped += 1
    created_ids = _customers_insert(new) if new else {}
    if changed:
        updated = [customer for _row, customer in changed]
        if search_sources_change:
            for customer in updated:
                customer.search_text_refresh()
        _customers_update(
            updated, [*fields, "search_text"] if search_sources_change else fields
        )
    events = [(created_ids[row.email], row.row_number, "created") for row in new] + [
        (customer.pk, row.row_number, "updated") for row, customer in changed
    ]
    _events_insert(job, events)
    errors = [
        ImportRowError(
            job_id=job.pk,
            row_number=row.row_number,
            message=row.message if len(row.message) <= 500 else row.message[:499] + "…",
        )
        for row in batch
        if not row.ok
    ]
    ImportRowError.objects.bulk_create(errors)
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=end,
        created_count=F("created_count") + len(new),
        updated_count=F("updated_count") + len(changed),
        skipped_count=F("skipped_count") + skipped,
        error_count=F("error_count") + len(errors),
    )


def _customers_insert(rows: list[importing.RowResult]) -> dict[str, int]:
    """Creates a customer per row; returns their ids by e-mail.

    On PostgreSQL through COPY (a third of the time of a multi-row INSERT, which
    matters at 100,000 rows); elsewhere through ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        customers = [
            Customer(email=row.email, source=IMPORT_SOURCE, **row.values)
            for row in rows
        ]
        for customer in customers:
            customer.search_text_refresh()  # bulk_create does not call save()
        Customer.objects.bulk_create(customers)
        return {customer.email: customer.pk for customer in customers}
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for model_field in Customer._meta.concrete_fields:
        # has_db_default() (Django 5.0) is missing from django-stubs.
        if model_field.primary_key or model_field.has_db_default():  # type: ignore[attr-defined]
            continue
        if getattr(model_field, "auto_now", False) or getattr(
            model_field, "auto_now_add", False
        ):
            value = now
        else:
            value = model_field.get_default()
        defaults[model_field.attname] = model_field.get_db_prep_save(value, connection)
    defaults["source"] = IMPORT_SOURCE
    columns = list(defaults)
    with connection.cursor() as cursor:
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(Customer._meta.db_table),
            ", ".join(
                connection.ops.quote_name(
                    cast(Field, Customer._meta.get_field(name)).column
                )
                for name in columns
            ),
        )
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = {**defaults, **row.values, "email": row.email}
                values["search_text"] = customer_search_text(
                    **{name: values[name] for name in SEARCH_TEXT_SOURCES}
                )
                copy.write_row([values[name] for name in columns])
    found = Customer.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=[row.email for row in rows]
    )
    return dict(found.values_list("email_lower", "pk"))


def _customers_update(customers: list[Customer], fields: list[str]) -> None:
    """Saves these fields of these customers, and their ``updated_at``.

    On PostgreSQL in one UPDATE joined to the new values (``bulk_update`` builds a
    CASE per field whose cost grows with the square of the batch); elsewhere through
    ``bulk_update``.
    """
    now = timezone.now()
    for customer in customers:
        customer.updated_at = now
    if connection.vendor != "postgresql":
        Customer.objects.bulk_update(customers, [*fields, "updated_at"], batch_size=500)
        return
    meta = Customer._meta
    model_fields = [cast(Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    pk_column = quote(meta.pk.column)
    assignments = ", ".join(
        f"{quote(field.column)} = new.{quote(field.column)}" for field in model_fields
    )
    arrays = ", ".join(
        [
            "%s::bigint[]",
            *(f"%s::{field.db_type(connection)}[]" for field in model_fields),
        ]
    )
    names = ", ".join([pk_column, *(quote(field.column) for field in model_fields)])
    # Only quoted names from the model's metadata go into the text; values are
    # parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS customer SET {assignments}, "  # noqa: S608
        f"{quote(meta.get_field('updated_at').column)} = %s "
        f"FROM unnest({arrays}) AS new({names}) "
        f"WHERE customer.{pk_column} = new.{pk_column}"
    )
    params: list[Any] = [
        now,
        [customer.pk for customer in customers],
        *(
            [
                field.get_db_prep_save(getattr(customer, field.attname), connection)
                for customer in customers
            ]
            for field in model_fields
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events_insert(job: ImportJob, events: list[tuple[int, int, str]]) -> None:
    """One IMPORTED event per (customer id, row number, "created" or "updated")."""
    if not events:
        return
    detail = job.original_name[:500]
    if connection.vendor != "postgresql":
        CustomerEvent.objects.bulk_create(
            CustomerEvent(
                customer_id=customer_id,
                kind=CustomerEvent.Kind.IMPORTED,
                actor_id=job.created_by_id,
                detail=detail,
                data={"import": job.pk, "row": row_number, "action": action},
            )
            for customer_id, row_number, action in events
        )
        return
    from psycopg.types.json import Jsonb

    meta = CustomerEvent._meta
    columns = ["customer", "kind", "detail", "data", "actor", "created_at"]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(
            connection.ops.quote_name(cast(Field, meta.get_field(name)).column)
            for name in columns
        ),
    )
    now = timezone.now()
    kind = CustomerEvent.Kind.IMPORTED.value
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for customer_id, row_number, action in events:
            data = {"import": job.pk, "row": row_number, "action": action}
            copy.write_row(
                [customer_id, kind, detail, Jsonb(data), job.created_by_id, now]
            )


def _apply(customer: Customer, values: dict) -> bool:
    """Sets the row's non-empty values on the customer; True if anything changed.

    An empty cell leaves the customer's value as it is.
    """
    changed = False
    for name, value in values.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed = True
    return changed


# --- Reading without writing: the preview and --dry-run ------------------------------
