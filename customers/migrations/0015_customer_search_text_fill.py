"""Fills ``Customer.search_text`` for the customers that exist, in batches.

Not atomic: each batch is its own transaction, so a million customers never sit in
one long transaction (about a minute at a million rows on PostgreSQL), and a run cut
short continues where it stopped when migrate runs again (rows whose value is already
right are skipped). PostgreSQL gets one UPDATE per batch joined to ``unnest`` of the
new values; other databases one UPDATE per changed row.
"""

from django.db import migrations, transaction

from customers.search import SEARCH_TEXT_SOURCES, customer_search_text

BATCH_SIZE = 10_000


def search_text_fill(apps, schema_editor):
    customer_model = apps.get_model("customers", "Customer")
    connection = schema_editor.connection
    table = connection.ops.quote_name(customer_model._meta.db_table)
    rows = customer_model.objects.using(connection.alias).order_by("pk")
    last_pk = 0
    while True:
        batch = list(
            rows.filter(pk__gt=last_pk).values_list(
                "pk", "search_text", *SEARCH_TEXT_SOURCES
            )[:BATCH_SIZE]
        )
        if not batch:
            return
        last_pk = batch[-1][0]
        changed = []
        for pk, current, *values in batch:
            wanted = customer_search_text(**dict(zip(SEARCH_TEXT_SOURCES, values)))
            if wanted != current:
                changed.append((pk, wanted))
        if not changed:
            continue
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} AS customer SET search_text = new.search_text "
                    "FROM unnest(%s::bigint[], %s::text[]) AS new(id, search_text) "
                    "WHERE customer.id = new.id",
                    [[pk for pk, _ in changed], [text for _, text in changed]],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET search_text = %s WHERE id = %s",
                    [(text, pk) for pk, text in changed],
                )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0014_customer_search_text"),
    ]

    operations = [
        # Backwards there is nothing to undo: 0013 backwards drops the column.
        migrations.RunPython(
            search_text_fill, migrations.RunPython.noop, elidable=True
        ),
    ]
