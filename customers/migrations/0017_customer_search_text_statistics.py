"""A finer statistics target for ``search_text`` (PostgreSQL only).

With the default target (100) PostgreSQL guessed 10,082 rows for a rare surname that
1,177 customers of a million have, and walked the newest-first index instead of the
trigram one: 263 ms. With 1000 it guessed 2,002 and read the trigram index: 32 ms
(EXPLAIN ANALYZE by hand at 1M, bench/results/1m-search.md). The ANALYZE that the
next autovacuum runs (or ``ANALYZE customers_customer``) takes it into account.
"""

from django.db import migrations


def statistics_raise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE customers_customer ALTER COLUMN search_text SET STATISTICS 1000"
        )


def statistics_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE customers_customer ALTER COLUMN search_text SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_customer_search_text_trgm_index"),
    ]

    operations = [
        migrations.RunPython(statistics_raise, statistics_reset, elidable=False)
    ]
