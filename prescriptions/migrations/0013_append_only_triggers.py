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

from prescriptions.migrations._append_only import create_triggers, drop_triggers

TABLES = ("prescriptions_prescriptionevent", "prescriptions_dispensingpolicychange")


def create(apps, schema_editor):
    create_triggers(schema_editor, TABLES)


def drop(apps, schema_editor):
    drop_triggers(schema_editor, TABLES, drop_function=True)


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0012_acknowledgement_fingerprint")]

    operations = [migrations.RunPython(create, drop)]
