from django.db import migrations


def drop_foreign_key(apps, schema_editor):
    # Databases made before the index lost its foreign key (see search/index.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_productindex DROP CONSTRAINT IF EXISTS search_productindex_product_id_fkey"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_product_index")]

    operations = [migrations.RunPython(drop_foreign_key, migrations.RunPython.noop)]
