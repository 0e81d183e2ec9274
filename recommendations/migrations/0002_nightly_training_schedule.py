"""Nightly retraining in django-celery-beat's tables, so staff can edit the schedule in the admin."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Recommendations: nightly retraining"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "recommendations.tasks.train_recommender_task",
            "crontab": schedule,
            "queue": "ml",
            # A run not started within 23 hours is dropped: the next night's run supersedes it.
            "expire_seconds": 23 * 60 * 60,
            "enabled": True,
            "description": "Retrain the hybrid recommender, evaluate it against baselines, activate it if it passes the quality gate.",
        },
    )
    # Tell a running beat that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
