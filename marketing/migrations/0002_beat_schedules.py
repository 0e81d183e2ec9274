"""Marketing's beat entries, in django-celery-beat's tables so staff edit them in the admin."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

SCHEDULES = [
    ("Marketing: refresh segment membership", "marketing.tasks.refresh_segments_task",
     {"crontab": {"minute": "15"}}, 3000, "Recompute every segment's stored members (set-based, in batches)."),
    ("Marketing: engagement tiers", "marketing.tasks.refresh_engagement_tiers_task",
     {"crontab": {"minute": "5", "hour": "2"}}, 20 * 3600, "Recency, frequency and watch-time quintiles and tier names."),
    ("Marketing: start due campaigns", "marketing.tasks.start_due_campaigns_task",
     {"every": (1, "minutes")}, 50, "Start scheduled campaigns whose time has come (holdout drawn once, then sending)."),
    ("Marketing: resume campaign sending", "marketing.tasks.resume_running_campaigns_task",
     {"every": (15, "minutes")}, 600, "Queue a batch for running campaigns with work left (a broken chain resumes)."),
    ("Marketing: campaign results", "marketing.tasks.refresh_results_task",
     {"every": (15, "minutes")}, 600, "Attribute returns to watch and recompute results and lift."),
]


def create_schedules(apps, schema_editor):
    for name, task, when, expire, description in SCHEDULES:
        ensure_periodic_task(apps, name, task, expire_seconds=expire, description=description, **when)


def remove_schedules(apps, schema_editor):
    for name, *_ in SCHEDULES:
        remove_periodic_task(apps, name)


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
