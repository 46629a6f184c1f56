"""The search box's index: pg_trgm GIN on ``search_text`` (PostgreSQL only).

The search now reads ``search_text`` alone (``customers.search``): each word typed is
``search_text LIKE '% word%'`` and a number ``LIKE '%600123%'``. pg_trgm serves
both, short words too: a space before the word in the pattern marks the start of a
word, so "be" still gives the trigrams "  b" and " be". The four indexes of 0002
served the old search only (prefixes of UPPER(first_name), UPPER(last_name),
UPPER(email) and the phone's trigrams) and are dropped: nothing else reads them, and
each costs every import and seed. E-mail lookups keep the unique LOWER(email) index.
SQLite has no GIN: there the search scans the table.
"""

from django.db import migrations

OLD_SEARCH_INDEXES = {
    "customer_email_prefix_idx": "(UPPER(email) text_pattern_ops)",
    "customer_first_name_prefix_idx": "(UPPER(first_name) text_pattern_ops)",
    "customer_last_name_prefix_idx": "(UPPER(last_name) text_pattern_ops)",
    "customer_phone_trgm_idx": "USING gin (phone gin_trgm_ops)",
}
SEARCH_TEXT_INDEX = "customer_search_text_trgm_idx"


def search_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_TEXT_INDEX} ON customers_customer "
        "USING gin (search_text gin_trgm_ops)"
    )
    for name in OLD_SEARCH_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def search_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in OLD_SEARCH_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {definition}"
        )
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_TEXT_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0015_customer_search_text_fill"),
    ]

    operations = [
        # Does nothing on databases other than PostgreSQL.
        migrations.RunPython(search_index_create, search_index_drop, elidable=False),
    ]
