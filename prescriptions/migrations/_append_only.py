"""Database triggers that refuse to rewrite or delete the rows of append-only tables.

Shared by the migrations that create such tables (the loader skips modules
whose name starts with an underscore). See 0013_append_only_triggers for why
PostgreSQL refuses UPDATE and DELETE, and SQLite UPDATE only.
"""

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION rx_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def create_triggers(schema_editor, tables):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: the function's % placeholder is PL/pgSQL's, not the driver's.
        schema_editor.execute(POSTGRESQL_FUNCTION, params=None)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rx_refuse_audit_change()"
            )
    elif vendor == "sqlite":
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END"
            )


def drop_triggers(schema_editor, tables, *, drop_function=False):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
    if drop_function and vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rx_refuse_audit_change()")
