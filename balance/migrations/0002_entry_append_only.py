"""Ledger entries are append-only: PostgreSQL refuses UPDATE and DELETE on them.

A row-level trigger raises before any row of ``balance_entry`` is changed or
deleted, whoever asks (the ORM, the admin, raw SQL). INSERT is allowed, and so is
TRUNCATE (no row trigger fires), which test databases use to empty tables between
transactional tests. Undo an entry by posting a reversal
(``balance.services.entry_reverse``).

Other databases (SQLite in development) get no trigger; the services never update
or delete entries anyway.
"""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION balance_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'balance_entry is append-only: % of entry % refused. Post a reversal instead.', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;
DROP TRIGGER IF EXISTS balance_entry_append_only ON balance_entry;
CREATE TRIGGER balance_entry_append_only
    BEFORE UPDATE OR DELETE ON balance_entry
    FOR EACH ROW EXECUTE FUNCTION balance_entry_refuse_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS balance_entry_append_only ON balance_entry;
DROP FUNCTION IF EXISTS balance_entry_refuse_change();
"""


def append_only_trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def append_only_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("balance", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            append_only_trigger_create, append_only_trigger_drop, elidable=False
        ),
    ]
