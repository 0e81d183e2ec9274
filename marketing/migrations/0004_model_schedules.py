"""Nightly churn scores and weekly offer-model training from the platform's campaign logs."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

SCHEDULES = [
    ("Marketing: churn scores", "marketing.tasks.refresh_churn_scores_task",
     {"crontab": {"minute": "40", "hour": "2"}}, 20 * 3600,
     "Time-split churn evaluation against the baselines, then fresh risk scores for every subscriber."),
    ("Marketing: offer model", "marketing.tasks.train_offer_model_task",
     {"crontab": {"minute": "10", "hour": "4", "day_of_week": "1"}}, 6 * 24 * 3600,
     "Train the offer-uplift model on past campaigns' randomized logs (skipped until there are enough)."),
]


def create_schedules(apps, schema_editor):
    for name, task, when, expire, description in SCHEDULES:
        ensure_periodic_task(apps, name, task, expire_seconds=expire, description=description, **when)


def remove_schedules(apps, schema_editor):
    for name, *_ in SCHEDULES:
        remove_periodic_task(apps, name)


class Migration(migrations.Migration):
    dependencies = [("marketing", "0003_churn_runs")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
