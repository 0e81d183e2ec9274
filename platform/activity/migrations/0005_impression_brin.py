"""The impression log keeps two B-trees; time-window reads get a BRIN index on PostgreSQL (tiny, nearly free to
maintain on an append-only table). SQLite, the development default, has no BRIN and goes without."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


BRIN = "activity_impression_shown_at_brin"


def create_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {BRIN} ON activity_impression USING brin (shown_at)")


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {BRIN}")


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0004_impression_log_indexes'),
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='impression',
            options={'ordering': ['-id']},
        ),
        migrations.AlterField(
            model_name='impression',
            name='shown_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='impression',
            name='title',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='impressions', to='catalog.title'),
        ),
        migrations.RunPython(create_brin, drop_brin),
    ]
