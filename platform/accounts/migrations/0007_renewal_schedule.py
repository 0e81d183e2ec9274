"""Run the daily billing pass: renewals, scheduled plan moves and cancellations that take effect."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Accounts: renew memberships"


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps, TASK_NAME, "accounts.tasks.renew_memberships", crontab={"minute": "15", "hour": "0"},
        expire_seconds=6 * 3600,  # the pass is idempotent per day; a later run catches up
        description="Invoice accounts whose billing date has come, apply scheduled plan moves, end cancelled memberships.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_subscription_records"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
