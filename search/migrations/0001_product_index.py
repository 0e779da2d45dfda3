from django.db import migrations

from search.index import create_index_table, drop_index_table


def create(apps, schema_editor):
    create_index_table(schema_editor)


def drop(apps, schema_editor):
    drop_index_table(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0033_druginformation_product_requires_prescription_and_more")]

    operations = [migrations.RunPython(create, drop)]
