"""Hourly search-index refresh in django-celery-beat's tables (only changed titles are re-embedded)."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Storefront: refresh the semantic search index"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps, TASK_NAME, "storefront.tasks.rebuild_search_index", every=(1, "hours"),
        expire_seconds=55 * 60,  # the next run supersedes one not started within the hour
        description="Embed titles whose name, synopsis, genres or tags changed, for semantic search.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0002_pg_trgm"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
