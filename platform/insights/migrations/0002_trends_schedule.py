"""The trends refresh's beat entry, in django-celery-beat's tables so staff edit it in the admin."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

NAME = "Insights: weekly counts and trends"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps,
        NAME,
        "insights.tasks.refresh_trends_task",
        crontab={"minute": "40"},
        expire_seconds=3000,
        description="Recount this week's and last week's views and searches per region (SQL aggregates) and "
        "flag significant share changes (two-proportion z-test, Benjamini-Hochberg).",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
