"""The hourly index refresh names the task where it now lives (search.tasks); schedule and queue unchanged."""

from django.db import migrations

OLD, NEW = "storefront.tasks.rebuild_search_index", "search.tasks.rebuild_search_index"


def _rename(apps, old: str, new: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)


def forwards(apps, schema_editor):
    _rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("storefront", "0003_search_index_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
