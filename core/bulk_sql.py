"""Updating many rows of one table, each with its own values, in one statement.

``bulk_update`` builds a ``CASE WHEN id = ... THEN ...`` per column, which costs
more to compile and to run than the rows are worth at a few hundred; one
``UPDATE`` per row, even pipelined, costs a round of planning each. On PostgreSQL
this sends ``UPDATE t SET ... FROM (VALUES ...) v WHERE t.id = v.id``; elsewhere
(SQLite, in-process) one ``UPDATE`` per row through ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

# PostgreSQL takes at most 65,535 parameters in one statement.
MAX_PARAMETERS = 60_000


def values_update(model, fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Sets ``fields`` of each row ``(pk, value, value, ...)`` of ``model``; the
    values are Python values, prepared by their fields."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    pk_field = model._meta.pk
    columns = [model._meta.get_field(name) for name in fields]
    prepared = [
        [pk_field.get_db_prep_value(row[0], connection)]
        + [
            field.get_db_prep_save(value, connection)
            for field, value in zip(columns, row[1:], strict=True)
        ]
        for row in rows
    ]
    if connection.vendor != "postgresql":
        assignments = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {pk_field.column} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, [[*values[1:], values[0]] for values in prepared])
        return
    every = [pk_field, *columns]
    casts = ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in every)
    names = ", ".join(ops.quote_name(field.column) for field in every)
    assignments = ", ".join(
        f"{ops.quote_name(f.column)} = v.{ops.quote_name(f.column)}" for f in columns
    )
    per_statement = max(1, MAX_PARAMETERS // len(every))
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), per_statement):
            chunk = prepared[start : start + per_statement]
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
                + ", ".join([f"({casts})"] * len(chunk))
                + f") AS v ({names}) WHERE {table}.{ops.quote_name(pk_field.column)}"
                f" = v.{ops.quote_name(pk_field.column)}"
            )
            cursor.execute(sql, [value for values in chunk for value in values])


def rows_update(model, rows: Sequence[Any], fields: Sequence[str]) -> None:
    """Writes ``fields`` of the model instances ``rows`` (see ``values_update``)."""
    values_update(
        model,
        fields,
        [
            [row.pk, *(getattr(row, model._meta.get_field(f).attname) for f in fields)]
            for row in rows
        ],
    )
