from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from search.index import create_index_table, drop_index_table


def recreate_index_tables(apps, schema_editor):
    # Three weighted texts and no stemmer (search/index.py); the rows are
    # written again after migrating (search/apps.py).
    drop_index_table(schema_editor)
    create_index_table(schema_editor)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    SearchTerm = apps.get_model("search", "SearchTerm")
    schema_editor.add_index(
        SearchTerm, GinIndex(OpClass("word", name="gin_trgm_ops"), name="search_term_word_trigram")
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_term_word_trigram")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index_without_foreign_key")]

    operations = [
        # CreateExtension does nothing on databases other than PostgreSQL.
        TrigramExtension(),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=64, unique=True)),
            ],
            options={"verbose_name": "search term"},
        ),
        migrations.CreateModel(
            name="Synonym",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "term",
                    models.CharField(
                        help_text="One or two words, e.g. “sunblock” or “face wash”. Letters, digits and spaces only.",
                        max_length=64,
                        unique=True,
                        verbose_name="customers type",
                    ),
                ),
                (
                    "means",
                    models.CharField(
                        help_text="Words or phrases the products use, separated by commas, e.g. “brightening, pigmentation”.",
                        max_length=255,
                        verbose_name="search also for",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"ordering": ["term"], "verbose_name": "search synonym"},
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
        migrations.RunPython(recreate_index_tables, recreate_index_tables),
    ]
