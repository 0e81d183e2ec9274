"""The daily incremental update in django-celery-beat's tables, halfway between two nightly retrainings (03:30 UTC)."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Recommendations: daily incremental update"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps, TASK_NAME, "recommendations.tasks.update_recommender_task",
        crontab={"minute": "30", "hour": "15"},
        expire_seconds=11 * 60 * 60,  # a run not started by the next nightly fit is superseded by it
        description="Fold the behaviour since the active model's fit into it (LightFM fit_partial) as a new version; "
        "new profiles and titles wait for the nightly retraining.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0004_incremental_updates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
