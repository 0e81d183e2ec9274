"""Hourly search-index refresh in django-celery-beat's tables (only changed titles are re-embedded)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Storefront: refresh the semantic search index"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "storefront.tasks.rebuild_search_index",
            "interval": every_hour,
            "queue": "ml",
            # A run not started within the hour is dropped: the next one supersedes it.
            "expire_seconds": 55 * 60,
            "enabled": True,
            "description": "Embed titles whose name, synopsis, genres or tags changed, for semantic search.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0002_pg_trgm"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
