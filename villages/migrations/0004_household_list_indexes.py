from django.db import migrations, models

# The household list's search by the last digits of a resident ID runs as a prefix search on
# the reversed number. Only PostgreSQL has this expression index with a pattern operator
# class; SQLite scans its (small) table.
CREATE_REVERSED_ID_INDEX = (
    "CREATE INDEX household_id_number_reversed "
    "ON villages_household ((reverse(id_number)) text_pattern_ops)"
)
DROP_REVERSED_ID_INDEX = "DROP INDEX IF EXISTS household_id_number_reversed"


def create_reversed_id_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_REVERSED_ID_INDEX)


def drop_reversed_id_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_REVERSED_ID_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0003_import_batch_kind"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["head_name"],
                name="household_head_name_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["category"], name="household_category"),
        ),
        migrations.RunPython(create_reversed_id_index, drop_reversed_id_index),
    ]
