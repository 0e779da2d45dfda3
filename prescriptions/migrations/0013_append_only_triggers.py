"""The database itself refuses to rewrite or delete the audit trail and the rule history.

The models already refuse through the ORM; these triggers also stop raw SQL,
a bulk update, or a script that goes round the models.

PostgreSQL refuses UPDATE and DELETE. TRUNCATE stays possible for the
tables' owner: it is how Django's test runner empties the database between
transactional tests, and the production role should not own the tables.

SQLite refuses UPDATE only. Django's test runner empties an SQLite database
with DELETE between transactional tests (the browser tests), which a DELETE
trigger would abort; deletion there is refused by the models alone. SQLite
drops a table's triggers when a migration rebuilds the table, so a later
migration that alters these tables must create them again
(tests/prescriptions/test_append_only.py checks that they are there).
"""

from django.db import migrations

TABLES = ("prescriptions_prescriptionevent", "prescriptions_dispensingpolicychange")

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION rx_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: the function's % placeholder is PL/pgSQL's, not the driver's.
        schema_editor.execute(POSTGRESQL_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rx_refuse_audit_change()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END"
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rx_refuse_audit_change()")


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0012_acknowledgement_fingerprint")]

    operations = [migrations.RunPython(create, drop)]
