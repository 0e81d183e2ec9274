"""TitleSearchVector moves here from the storefront; the table and its rows stay exactly as they are.

Only Django's state changes (the storefront's 0001 created the table), plus the model's content type,
so permissions granted on it and its admin history follow the model.
"""

import django.db.models.deletion
from django.db import migrations, models


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="titlesearchvector").exists():
        ContentType.objects.filter(app_label=old, model="titlesearchvector").update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "storefront", "search")


def backwards(apps, schema_editor):
    _relabel(apps, "search", "storefront")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("storefront", "0003_search_index_schedule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TitleSearchVector",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("vector", models.BinaryField()),
                        ("text_hash", models.CharField(max_length=64)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "title",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="search_vector", to="catalog.title"
                            ),
                        ),
                    ],
                    options={"db_table": "storefront_titlesearchvector"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
