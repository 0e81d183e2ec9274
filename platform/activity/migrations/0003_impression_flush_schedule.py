"""Flush buffered impressions every 10 seconds (a no-op unless IMPRESSION_BUFFER_URL is set)."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Activity: flush buffered impressions"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps, TASK_NAME, "activity.tasks.flush_impressions", every=(10, "seconds"),
        expire_seconds=60,  # a later flush picks up whatever a dropped one would have moved
        description="Copy the impressions pages logged in Redis into the Impression table, in batches.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0002_impression_shown_at_default"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
