"""Nightly retraining in django-celery-beat's tables, so staff can edit the schedule in the admin."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Recommendations: nightly retraining"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps, TASK_NAME, "recommendations.tasks.train_recommender_task",
        crontab={"minute": "30", "hour": "3"},
        expire_seconds=23 * 60 * 60,  # the next night's run supersedes a missed one
        description="Retrain the hybrid recommender, evaluate it against baselines, activate it if it passes the quality gate.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
